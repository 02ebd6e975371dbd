"""Where free text goes when it is not a command: product search (app/search)."""

from __future__ import annotations

from ..search.chat import answer as search_answer
from .chat import Chat


def answer(chat: Chat, text: str) -> bool:
    return search_answer(chat, text)
