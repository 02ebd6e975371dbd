"""Close matches, for when what a shopper typed finds nothing as typed.

Two fallbacks, both ranked below exact matches (app/search/query.py says when each is tried):

- close spellings of a katakana word of 4+ characters: one long-vowel mark (ー) missing or
  extra, a small kana for a large one (ッ/ツ, ャ/ヤ…), or one character dropped. Each is a
  LIKE pattern (`_` for the dropped character) that the trigram indexes (FTS5 on SQLite,
  pg_trgm on PostgreSQL) answer, or, when no run of 3 characters is left ("わん_ーす"),
  the grams index (its runs as 1-2 character pieces), so the fallback costs index lookups;
- the most words: when all the words together find nothing, the products matching as
  many of them as possible (a stray word no product has no longer empties the answer).
"""

from __future__ import annotations

MIN_KANA_WORD = 4
MIN_LITERAL = 3  # a pattern needs a run of 3 plain characters for a trigram index to help
# Normalised text holds katakana as hiragana (app/search/normalize.py).
_SMALL = "ぁぃぅぇぉっゃゅょゎゕゖ"
_LARGE = "あいうえおつやゆよわかけ"
SWAP = {**dict(zip(_SMALL, _LARGE, strict=True)), **dict(zip(_LARGE, _SMALL, strict=True))}


class Pattern(str):
    """A close spelling as a LIKE pattern: `_` stands for any one character."""


def _kana(word: str) -> bool:
    return all("\u3041" <= c <= "\u3096" or c == "ー" for c in word)


def trigram_ready(pattern: str) -> bool:
    """A trigram index can answer it: it has a run of 3 plain characters. Others (\"わん_ーす\")
    are found through the 1-2 character grams of their runs."""
    return any(len(run) >= MIN_LITERAL for run in pattern.split("_"))


def runs(pattern: str) -> list[str]:
    return [run for run in pattern.split("_") if run]


def spellings(word: str) -> list[Pattern]:
    """The close spellings of one normalised word (none unless it is kana of 4+ characters)."""
    if len(word) < MIN_KANA_WORD or not _kana(word):
        return []
    found: dict[str, None] = {}
    for i in range(1, len(word)):  # one character (often ー) missing from what was typed
        found.setdefault(word[:i] + "_" + word[i:], None)
    for i, char in enumerate(word):
        shorter = word[:i] + word[i + 1 :]
        if char == "ー" or len(shorter) >= MIN_KANA_WORD:  # an extra mark or character
            found.setdefault(shorter, None)
        if char in SWAP:
            found.setdefault(word[:i] + SWAP[char] + word[i + 1 :], None)
    found.pop(word, None)
    return [Pattern(p) for p in found]


def loosened(words: list[str], expanded: list[list[str]]) -> list[list[str]] | None:
    """Each word's alternatives with its close spellings added, or None if no word has any."""
    extra = [spellings(w) for w in words]
    if not any(extra):
        return None
    return [alts + [p for p in more if p not in alts] for alts, more in zip(expanded, extra, strict=True)]


def meaningful(chosen: list[str]) -> bool:
    """Words worth a search of their own: not only 1-character words or digits."""
    return any(len(w) >= 2 and not w.isdigit() for w in chosen)
