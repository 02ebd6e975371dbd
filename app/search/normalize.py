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
# What a shopper types around a word is never part of it: quotes, brackets, wildcard and
# boolean-looking marks (* - ^ %), _, apostrophes, SQL fragments, emoji. Only letters,
# digits and the long-vowel mark make words; "-" and "." stay inside a word between Latin
# letters or digits ("ts-kn-l", "2.5kg") so SKUs and sizes still match.
_WORD = re.compile(r"[0-9a-z]+(?:[-.]+[0-9a-z]+)+|(?:[^\W_]|\u30fc)+")
# "men's", "緑茶's": the clitic after an apostrophe is not a word to look for.
_CLITIC = re.compile(r"['\u2018\u2019`\u00b4](?:s|t|d|m|ll|re|ve)\b")
# Boolean words people copy from search engines: never a requirement of their own.
OPERATORS = frozenset({"or", "and", "not"})
# Words of an SQL fragment ("' OR 1=1 --", "; DROP TABLE products"): dropped when the
# query carries SQL punctuation; a product name like "table" typed alone still counts.
_SQL_MARKS = re.compile(r";|--|=|/\*")
SQL_WORDS = frozenset(
    {"select", "drop", "table", "union", "all", "insert", "into", "delete", "update", "from", "where"}
    | {"null", "exec", "sleep", "values", "set", "having", "order", "by", "group", "limit", "1", "0", "true", "false"}
)


def normalize(text: str | None) -> str:
    if not text:
        return ""
    value = unicodedata.normalize("NFKC", text)
    value = _CONTROL.sub(" ", value).casefold()
    value = _LONG_VOWEL.sub("ー", value)
    value = _DOTS.sub("", value)  # "ボディ・ソープ" is "ボディソープ"
    value = value.translate(_KATA_TO_HIRA)
    return _SPACE.sub(" ", value).strip()


def words_of(text: str) -> list[str]:
    """The words of normalised text: everything but letters, digits and ー separates them."""
    return _WORD.findall(_CLITIC.sub(" ", text))


def _typed(query: str) -> str:
    return normalize(query[: MAX_QUERY * 2])[:MAX_QUERY]


def terms(query: str) -> list[str]:
    """The words of a query, normalised, de-duplicated, in order. Punctuation, emoji and
    operator-looking words ("OR", "AND", "NOT") separate words, never add one."""
    text = _typed(query)
    noise = OPERATORS | SQL_WORDS if _SQL_MARKS.search(text) else OPERATORS
    seen = list(dict.fromkeys(words_of(text)))
    return ([w for w in seen if w not in noise] or seen)[:8]


def phrase(query: str, words: list[str]) -> str:
    """The query as typed (normalised) from its first word to its last, when it has several
    words and what is between them is not just a space: "「ＭＯＲＩ & ＣＯ.」" -> "mori & co",
    which a brand's titles carry, where the words joined ("mori co") begin "MORI COFFEE".
    Empty otherwise."""
    if len(words) < 2:
        return ""
    text = _typed(query)
    found = list(_WORD.finditer(_CLITIC.sub(lambda m: " " * len(m[0]), text)))  # same offsets
    typed = text[found[0].start() : found[-1].end()] if found else ""
    return "" if typed == " ".join(words) else typed
