"""One normal form for product text and for what shoppers type.

Japanese is typed many ways: full- or half-width letters, digits and katakana; hiragana
or katakana; long-vowel marks that look alike (ー ｰ － ― ‐); middle dots (・ ･ ·); spaces
half- or full-width. Both the index and the query go through `normalize`, so
"ｔシャツ" and "Tシャツ" find the same products. Different words ("てぃーしゃつ") are
the merchant's synonyms' job, not ours.
"""

from __future__ import annotations

import re
import unicodedata

# Katakana (ァ..ヶ) fold to hiragana (ぁ..ゖ): same sound, either script.
_KATA_TO_HIRA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
# After NFKC: the dashes people use as a long-vowel mark become "ー".
_LONG_VOWEL = re.compile(r"(?<=[\u3041-\u3096\u30a1-\u30fa\u30fc])[\-\u2010-\u2015\u2212\uff0d\u301c~]")
_DOTS = re.compile(r"[・･·\u00b7\u2027\u30fb]")
_SPACE = re.compile(r"\s+")
# Control and format characters (zero-width joiners, bidi marks…) never mean anything here.
_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

MAX_QUERY = 100  # characters of a chat message we search for


def normalize(text: str | None) -> str:
    if not text:
        return ""
    value = unicodedata.normalize("NFKC", text)
    value = _CONTROL.sub(" ", value).casefold()
    value = _LONG_VOWEL.sub("ー", value)
    value = _DOTS.sub("", value)  # "ボディ・ソープ" is "ボディソープ"
    value = value.translate(_KATA_TO_HIRA)
    return _SPACE.sub(" ", value).strip()


def terms(query: str) -> list[str]:
    """The words of a query, normalised, de-duplicated, in order (spaces separate words)."""
    seen: dict[str, None] = {}
    for word in normalize(query[: MAX_QUERY * 2])[:MAX_QUERY].split(" "):
        if word:
            seen.setdefault(word, None)
    return list(seen)[:8]
