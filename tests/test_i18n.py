"""The catalogs (app.i18n): every text in both languages, each file owning its keys, the
same placeholders in ja and en, and every key that code, templates and scripts name exists,
so a missing text fails here instead of a merchant or shopper ever seeing a key."""

from __future__ import annotations

import ast
import re
import string
import tomllib
from pathlib import Path

import pytest

from app import i18n
from app.flows import templates
from app.flows.registry import flows
from app.i18n import MissingText
from app.line import texts as line_texts

APP = Path(i18n.__file__).resolve().parent
ROOT = APP.parent
CATALOGS = sorted(APP.rglob("texts.toml"))
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


def leaves(table: dict, trail: tuple[str, ...] = ()):
    """(key, {lang: text}) for each leaf of a parsed catalog, read independently of the loader."""
    for name, value in table.items():
        here = (*trail, name)
        if isinstance(value, dict) and not set(value) & set(i18n.LANGUAGES):
            yield from leaves(value, here)
        else:
            yield ".".join(here), value


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a text (a brace around anything else is punctuation)."""
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name and name.isidentifier()}


# -- (a) complete, unique, owned ---------------------------------------------------------------
def test_there_are_catalogs_for_the_domains():
    owners = {path.parent.relative_to(APP).as_posix() for path in CATALOGS}
    assert {"line", "flows", "search"} <= owners


def test_every_leaf_has_a_japanese_and_an_english_text():
    catalog = i18n.catalog()  # loading checks every leaf and refuses duplicates
    assert catalog
    for key, pair in catalog.items():
        assert set(pair) == set(i18n.LANGUAGES), key
        assert all(isinstance(text, str) and text.strip() for text in pair.values()), key


def test_keys_are_unique_across_catalogs():
    seen: dict[str, Path] = {}
    for path in CATALOGS:
        with path.open("rb") as fh:
            for key, _pair in leaves(tomllib.load(fh)):
                assert key not in seen, f"{key} is in {seen.get(key)} and {path}"
                seen[key] = path
    assert set(seen) == set(i18n.catalog())


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.relative_to(APP).as_posix())
def test_keys_start_with_their_owner_folder(path):
    """app/<a>/texts.toml holds `<a>.…` keys, app/<a>/<b>/texts.toml `<a>.<b>.…`, and so on."""
    folder = path.parent.relative_to(APP).parts
    assert folder, "a catalog belongs to a folder under app/"
    owner = ".".join(folder) + "."
    with path.open("rb") as fh:
        strays = [key for key, _pair in leaves(tomllib.load(fh)) if not key.startswith(owner)]
    assert strays == [], f"{path} may only hold {owner}… keys"


@pytest.fixture
def catalogs_in(tmp_path, monkeypatch):
    """The loader pointed at a scratch folder (the real catalogs are reloaded afterwards)."""
    monkeypatch.setattr(i18n, "ROOT", tmp_path)
    i18n.catalog.cache_clear()
    yield tmp_path
    i18n.catalog.cache_clear()


def write(folder: Path, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "texts.toml").write_text(body, encoding="utf-8")


@pytest.mark.parametrize(
    "body",
    [
        '[a.missing_en]\nja = "はい"\n',
        '[a.missing_ja]\nen = "Yes"\n',
        '[a.extra]\nja = "はい"\nen = "Yes"\nfr = "Oui"\n',
        '[a.not_text]\nja = "はい"\nen = 1\n',
        'a = "a bare string, not a ja/en table"\n',
    ],
    ids=["no en", "no ja", "a third language", "not a string", "bare string"],
)
def test_a_broken_catalog_is_refused(catalogs_in, body):
    write(catalogs_in / "a", body)
    with pytest.raises(MissingText):
        i18n.catalog()


def test_a_key_in_two_catalogs_is_refused(catalogs_in):
    write(catalogs_in / "a", '[a.yes]\nja = "はい"\nen = "Yes"\n')
    write(catalogs_in / "b", '[a.yes]\nja = "はい"\nen = "Yes"\n')
    with pytest.raises(MissingText, match="a.yes"):
        i18n.catalog()


def test_a_sound_scratch_catalog_loads(catalogs_in):
    write(catalogs_in / "a", '[a.hello]\nja = "{name}さん、こんにちは"\nen = "Hello, {name}"\n')
    assert i18n.t("a.hello", "en", name="Emma") == "Hello, Emma"


# -- (c) placeholders ---------------------------------------------------------------------------
def test_ja_and_en_name_the_same_placeholders():
    for key, pair in i18n.catalog().items():
        assert placeholders(pair["ja"]) == placeholders(pair["en"]), key


def test_english_texts_carry_no_japanese():
    """An English-speaking shopper or merchant never reads stray Japanese from a catalog."""
    stray = {key: pair["en"] for key, pair in i18n.catalog().items() if JAPANESE.search(pair["en"])}
    assert stray == {}


# -- (d) unknown keys ---------------------------------------------------------------------------
def test_an_unknown_key_raises_instead_of_showing_the_key():
    with pytest.raises(MissingText):
        i18n.t("line.chat.no_such_text", "ja")
    with pytest.raises(MissingText):
        i18n.entry("no.such.key")
    assert i18n.t("line.chat.help", "fr") == i18n.t("line.chat.help", "ja")  # unknown language: Japanese


# -- (b) every key used exists ------------------------------------------------------------------
# Calls that take a catalog key, by the called name: (position of the key, key as written → key).
KEY_CALLS = {
    "t": (0, lambda key: key),  # app.i18n.t, Chat.t, the pages' t
    "entry": (0, lambda key: key),
    "has": (0, lambda key: key),
    "texts": (0, lambda key: key),  # a prefix: the page's JS strings
    "content.label": (0, lambda name: f"flows.label.{name}"),  # app.flows.content.label
    "label": (0, lambda name: f"flows.label.{name}"),  # the same, by its bare name (in app/flows/content.py)
}
# line.texts.template/text(shop, key, lang): the catalog key or the key a shop's edit is saved under.
EDITABLE_CALLS = {"template", "text"}
JINJA_CALL = re.compile(r"""\b(?:t|_t|entry|texts)\(\s*["']([^"']+)["'](?!\s*[+~]\s*lang\b)""")
# t("admin.js.lang_" ~ lang): one key per language
JINJA_BY_LANG = re.compile(r"""\b(?:t|_t|entry)\(\s*["']([^"']+)["']\s*[+~]\s*lang\b""")
QUOTED = re.compile(r"""["'`]([a-z][a-z0-9_]*(?:\.[A-Za-z0-9_]+){2,}\.?)["'`]""")
FILE_NAME = re.compile(r"\.(?:css|js|html|json|toml|py|png|svg|jpe?g|txt)$")


def known(key: str) -> bool:
    """A key, or the prefix of keys (as `texts(prefix)` takes it)."""
    catalog = i18n.catalog()
    return key in catalog or any(k.startswith(key if key.endswith(".") else key + ".") for k in catalog)


def families() -> set[str]:
    """The first two segments of every key ("line.chat", "admin.flows")."""
    return {".".join(key.split(".")[:2]) for key in i18n.catalog()}


def looks_like_a_key(value: str) -> bool:
    """Three or more dotted segments in a family of the catalogs (so "line.webhook.invalid-json",
    endpoints and file names are not mistaken for texts)."""
    return (
        re.fullmatch(r"[a-z][a-z0-9_]*(?:\.[A-Za-z0-9_]+){2,}\.?", value) is not None
        and ".".join(value.split(".")[:2]) in families()
        and not FILE_NAME.search(value)
    )


def _called(node: ast.Call) -> str | None:
    """`t`, `chat.t` → "t"; `content.label` is kept whole (SQLAlchemy's `.label("n")` is not a text)."""
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        owner = node.func.value
        if node.func.attr == "label":
            return "content.label" if isinstance(owner, ast.Name) and owner.id == "content" else None
        return node.func.attr
    return None


def _head(node: ast.AST) -> str | None:
    """A literal key, or the literal start of an f-string key."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    return None


def python_uses(tree: ast.AST) -> list[tuple[int, str, bool]]:
    """(line, key, whole) for each key a module names; `whole` is False for an f-string's start."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _called(node)
            if name in KEY_CALLS:
                position, to_key = KEY_CALLS[name]
                arg = node.args[position] if len(node.args) > position else None
                head = _head(arg) if arg is not None else None
                # Keys always have a dot: a `t("x")` without one is some other t.
                if head is not None and (name != "t" or "." in head):
                    found.append((node.lineno, to_key(head), isinstance(arg, ast.Constant)))
            elif name in EDITABLE_CALLS and len(node.args) >= 3:
                arg = node.args[1]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append((node.lineno, line_texts.catalog_key(arg.value), True))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and looks_like_a_key(node.value):
            found.append((node.lineno, node.value, True))
    return found


def test_every_key_named_in_python_exists(app):
    allowed = set(app.view_functions) | admin_table()
    missing = []
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, key, whole in python_uses(tree):
            if whole and (key in allowed or known(key)):
                continue
            if not whole and any(k.startswith(key) for k in [*i18n.catalog(), *allowed]):
                continue
            missing.append(f"{path.relative_to(ROOT)}:{line} {key}")
    assert missing == []


def admin_table() -> set[str]:
    """Keys of the admin's own text table while it exists (its texts move into catalogs with the
    admin's areas; from then on this is empty and every key must be in a catalog)."""
    try:
        from app.admin import i18n as admin_i18n
    except ImportError:
        return set()
    return set(getattr(admin_i18n, "TEXTS", {}))


def page_uses(path: Path) -> set[str]:
    """Keys a template or script names: `t("…")`-style calls (templates), and quoted
    literals that look like keys (both)."""
    source = path.read_text(encoding="utf-8")
    named = {key for key in QUOTED.findall(source) if looks_like_a_key(key)}
    if path.suffix == ".html":
        namespaces = {key.split(".")[0] for key in i18n.catalog()}
        named |= {key for key in JINJA_CALL.findall(source) if key.split(".")[0] in namespaces}
        by_lang = set(JINJA_BY_LANG.findall(source))
        named = (named - by_lang) | {prefix + lang for prefix in by_lang for lang in i18n.LANGUAGES}
    return named


def test_every_key_named_in_templates_and_scripts_exists(app):
    allowed = set(app.view_functions) | admin_table()
    sources = sorted((APP / "templates").rglob("*.html")) + sorted((ROOT / "static").rglob("*.js"))
    missing = [
        f"{path.relative_to(ROOT)} {key}"
        for path in sources
        for key in sorted(page_uses(path))
        if key not in allowed and not known(key)
    ]
    assert missing == []


def test_the_scanner_catches_a_missing_key():
    """The scan above finds keys however they are named (a guard against a blind scanner)."""
    source = (
        't("line.chat.greeting", lang)\n'
        'chat.t("line.chat.no_such")\n'
        'label("no_such_label", lang)\n'
        'KEYS = {"a": "search.carousel.no_such"}\n'
        'texts.text(shop, "greeting", "ja")\n'
        'texts.text(shop, "no_such_saved", "ja")\n'
        'select(func.count().label("n"))\n'
    )
    uses = {key for _line, key, _whole in python_uses(ast.parse(source))}
    assert {k for k in uses if not known(k)} == {
        "line.chat.no_such",
        "flows.label.no_such_label",
        "search.carousel.no_such",
        "line.chat.no_such_saved",
    }


# Keys built at run time, checked by enumerating their sources.
def test_every_flow_template_has_its_default_text():
    for flow in flows():
        for name in templates.names(flow):
            pair = i18n.entry(templates.text_key(name))
            for lang in i18n.LANGUAGES:  # a default passes the check merchants' texts must pass
                assert templates.validate(flow, pair[lang]) is None, (name, lang)


def test_texts_kept_per_flow_name_every_flow():
    """A family of texts keyed by flow name (`….<flow>`, as pages build them with
    f"….{flow}") has one for every flow in the registry."""
    names = {str(flow) for flow in flows()}
    children: dict[str, set[str]] = {}
    for key in i18n.catalog():
        parts = key.split(".")
        for depth in range(1, len(parts)):
            children.setdefault(".".join(parts[:depth]), set()).add(parts[depth])
    partial = {
        family: sorted(names - kids) for family, kids in children.items() if len(kids & names) >= 2 and names - kids
    }
    assert partial == {}


def test_flow_templates_in_the_catalog_all_belong_to_a_flow():
    named = {templates.text_key(name) for name in templates.all_names()}
    assert {key for key in i18n.catalog() if key.startswith("flows.template.")} == named


def test_saved_keys_of_editable_texts_are_the_keys_merchants_saved_before():
    """A shop's edits live under these keys in shop.settings["line_texts"]: they never change."""
    assert line_texts.saved_key("line.chat.greeting") == "greeting"
    assert line_texts.saved_key("line.chat.menu.order") == "menu.order"
    assert templates.key("shipping_update:shipped") == "flow:shipping_update:shipped"
    assert templates.key("abandoned_checkout") == "flow:abandoned_checkout"
    for name in templates.all_names():
        assert line_texts.catalog_key(templates.key(name)) == templates.text_key(name)
