"""Where free text goes when it is not a command: the product search issue fills HOOK.

`HOOK(chat, text) -> bool` answers the shopper and returns True, or returns False to let
the router answer with its menu.
"""

from __future__ import annotations

from collections.abc import Callable

from .chat import Chat

HOOK: Callable[[Chat, str], bool] | None = None


def answer(chat: Chat, text: str) -> bool:
    return HOOK(chat, text) if HOOK is not None else False
