"""The shopper's pages around linking (LINE Login's result, the app proxy's errors), in
the shopper's language.

These pages have no LINE friend to ask for a language, so the browser's Accept-Language
stands in for the friend's LINE language and app.i18n's one rule decides, as in the chat:
English when the browser prefers English and the shop allows English messages
(`settings.line_english`); Japanese otherwise, and when the browser asks for neither.
"""

from __future__ import annotations

from flask import render_template, request

from .. import i18n
from ..models import Shop
from .texts import Speaker


def visitor_language(shop: Shop | None) -> str:
    spoken = request.accept_languages.best_match(i18n.LANGUAGES)
    return i18n.language(shop=shop, friend=Speaker(spoken))


def render(template: str, *, shop: Shop | None, status: int = 200, **context):
    """The page and its status; the template reads its texts with `t("line.page.…")`."""
    lang = visitor_language(shop)

    def t(key: str, **values) -> str:
        return i18n.t(key, lang, **values)

    return render_template(template, lang=lang, t=t, shop=shop, **context), status
