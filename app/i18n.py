"""The one way to pick a Japanese or English text: `t(key, lang, **values)`.

Texts live in catalogs next to the code that uses them: every `texts.toml` under `app/`
(`app/line/texts.toml`, `app/admin/home/texts.toml`, …). A catalog is plain TOML whose
leaves are tables with exactly a `ja` and an `en` string; the dotted path is the key:

    [nav.home]
    ja = "ホーム"
    en = "Home"

Catalogs are data, not imports, so any layer may use any key without importing the layer
that owns it (the import-linter contracts stay simple). Keys are unique across catalogs; a
duplicate, a leaf missing a language or an unknown key raises `MissingText`, so tests fail
on a gap instead of a merchant or shopper ever seeing a key. Defaults of merchant-editable
templates live here too; the shop's edited text is looked up by the caller first.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
ROOT = Path(__file__).resolve().parent


class MissingText(KeyError):
    """A key that no catalog defines, or a catalog that breaks the rules above."""


def t(key: str, lang: str, /, **values: Any) -> str:
    """The text for `key` in `lang` (Japanese for any language we do not have), filled in."""
    text = _pair(key)[lang if lang in LANGUAGES else DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def entry(key: str) -> dict[str, str]:
    """Both languages of `key` (for editable templates): a copy, so the catalog stays as loaded."""
    return dict(_pair(key))


def _pair(key: str) -> dict[str, str]:
    try:
        return catalog()[key]
    except KeyError:
        raise MissingText(f"no text for key {key!r}") from None


def has(key: str) -> bool:
    return key in catalog()


def texts(prefix: str, lang: str) -> dict[str, str]:
    """Every text whose key starts with `prefix`, in `lang`, keyed by the rest of the key.

    Pages hand their scripts what they need with this (`texts("js.flows.", lang)`), so
    the JS never carries a language of its own."""
    return {
        key[len(prefix) :]: pair[lang if lang in LANGUAGES else DEFAULT_LANGUAGE]
        for key, pair in catalog().items()
        if key.startswith(prefix)
    }


def language(*, shop: Any, friend: Any = None) -> str:
    """ "ja" or "en", by one rule.

    For the merchant (no friend): the shop's admin locale (Shopify's `locale`).
    For a shopper: English when the friend's LINE is set to English and the shop allows
    English messages (`settings.line_english`, on by default); Japanese otherwise."""
    if friend is None:
        locale = getattr(shop, "locale", None) or ""
        return "en" if locale.lower().startswith("en") else "ja"
    allowed = ((getattr(shop, "settings", None) or {}).get("line_english", True)) if shop else True
    spoken = getattr(friend, "language", None) or ""
    return "en" if allowed and spoken.lower().startswith("en") else "ja"


@cache
def catalog() -> dict[str, dict[str, str]]:
    """Every catalog under app/, loaded once per process and checked as it is loaded."""
    merged: dict[str, dict[str, str]] = {}
    owner: dict[str, Path] = {}
    for path in sorted(ROOT.rglob("texts.toml")):
        with path.open("rb") as fh:
            for key, pair in _leaves(tomllib.load(fh), (), path):
                if key in merged:
                    raise MissingText(f"key {key!r} is in both {owner[key]} and {path}")
                merged[key], owner[key] = pair, path
    return merged


def _leaves(table: dict, trail: tuple[str, ...], path: Path):
    for name, value in table.items():
        here = (*trail, name)
        if not isinstance(value, dict):
            raise MissingText(f"{path}: {'.'.join(here)} is not a table of ja/en texts")
        if any(lang in value for lang in LANGUAGES):
            if set(value) != set(LANGUAGES) or not all(isinstance(value[lang], str) for lang in LANGUAGES):
                raise MissingText(f"{path}: {'.'.join(here)} needs exactly a ja and an en text")
            yield ".".join(here), {lang: value[lang] for lang in LANGUAGES}
        else:
            yield from _leaves(value, here, path)
