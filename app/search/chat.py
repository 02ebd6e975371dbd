"""Product search in the LINE chat: rules first, then search, then a friendly miss."""

from __future__ import annotations

from ..line import messages
from ..line.chat import Chat
from ..timeutil import utcnow
from .normalize import normalize
from .query import search
from .reply import carousel
from .rules import matching_rule, rule_reply
from .stats import log_search, popular_keywords

NO_RESULTS = {
    "ja": "「{query}」に合う商品が見つかりませんでした。こちらのキーワードはいかがですか？",
    "en": "We couldn't find products for \"{query}\". How about one of these?",
}


def answer(chat: Chat, text: str, *, log: bool = True) -> bool:
    """The chat's search hook: always answers (a carousel, the rule's answer, or a miss)."""
    session, shop, lang = chat.session, chat.shop, chat.lang
    rule = matching_rule(session, shop, text)
    if rule is not None:
        replies, shown = rule_reply(session, shop, rule, text, lang)
        if replies:
            if log:
                log_search(session, shop, normalize(text), shown=text, results=max(shown, 1), rule_id=rule.id)
            chat.reply(*replies)
            return True
    results = search(session, shop, text)
    if log:
        log_search(session, shop, results.query, shown=text, results=len(results.found))
    if results.found:
        chat.reply(carousel(shop, results.query, results.found, more=results.more, lang=lang))
    else:
        words = popular_keywords(session, shop, utcnow())
        shown = (results.query or text)[:30]
        chat.reply(messages.text(NO_RESULTS[lang].format(query=shown), words=words))
    return True
