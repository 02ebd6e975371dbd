"""Product search in the LINE chat: the merchant's rules first, then store questions
(answered from the shop's policies), then search, then a friendly miss."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from ..i18n import t
from ..line import messages
from ..line.chat import Chat
from ..models import Shop
from ..timeutil import utcnow
from .normalize import normalize
from .query import search
from .questions import matching_question, question_reply
from .reply import carousel
from .rules import matching_rule, rule_reply
from .stats import log_search, popular_keywords


@dataclass(frozen=True)
class Prepared:
    """A search answer worked out ahead, in a read-only session (no write lock held)."""

    text: str
    lang: str
    replies: list[dict]
    query: str
    results: int
    rule_id: int | None = None


def prepare(*, session: Session, shop: Shop, text: str, lang: str) -> Prepared:
    """The merchant's rules first, then store questions, then search, then a friendly miss:
    the replies and what to log."""
    rule = matching_rule(session=session, shop=shop, text=text)
    if rule is not None:
        replies, shown = rule_reply(session=session, shop=shop, rule=rule, text=text, lang=lang)
        if replies:
            return Prepared(text, lang, replies, normalize(text), max(shown, 1), rule.id)
    asked = matching_question(shop=shop, text=text)
    if asked is not None:  # a store question: the shop's policy answers, not product descriptions
        item, keyword = asked
        replies = question_reply(session=session, shop=shop, item=item, keyword=keyword, lang=lang)
        return Prepared(text, lang, replies, normalize(text), 1)
    results = search(session=session, shop=shop, query=text)
    if results.found:
        replies = [carousel(shop, results.query, results.found, more=results.more, lang=lang)]
        typed = " ".join(text.split())[:30]
        if results.close:  # say so: these are not what was typed
            replies.insert(0, messages.text(t("search.close_matches", lang, query=typed)))
        elif results.description_only:  # nothing is named so: say where the word was found
            replies.insert(0, messages.text(t("search.description_only", lang, query=typed)))
    else:
        words = popular_keywords(session=session, shop=shop, now=utcnow())
        shown = (results.query or text)[:30]
        replies = [messages.text(t("search.no_results", lang, query=shown), words=words)]
    return Prepared(text, lang, replies, results.query, len(results.found))


def answer(chat: Chat, text: str, *, log: bool = True) -> bool:
    """The chat's search hook: always answers (a carousel, the rule's answer, or a miss).
    Uses the answer prepared before the write transaction when there is one."""
    prepared = chat.prefetched.get("search")
    if not (isinstance(prepared, Prepared) and prepared.text == text and prepared.lang == chat.lang):
        prepared = prepare(session=chat.session, shop=chat.shop, text=text, lang=chat.lang)
    if log:
        log_search(
            session=chat.session,
            shop=chat.shop,
            query=prepared.query,
            shown=text,
            results=prepared.results,
            rule_id=prepared.rule_id,
            friend_id=chat.friend.id if chat.friend is not None else None,
        )
    chat.reply(*prepared.replies)
    return True
