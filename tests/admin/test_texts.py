"""The admin's texts: every key the admin's code, templates and scripts use exists (in both
languages: the catalog loader refuses a leaf without both), every value a page names by
key (flows, statuses, plans, …) has its text, and the scripts carry no text of their own.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app.admin.home.dashboard import PLANS
from app.admin.people.messages import STATUSES
from app.flows import templates
from app.flows.registry import Flow, flows, spec
from app.i18n import catalog, has, texts

ROOT = Path(__file__).resolve().parents[2]
ADMIN = ROOT / "app" / "admin"
TEMPLATES = ROOT / "app" / "templates" / "admin"
STATIC = ROOT / "static"
# Which area's script texts (admin.<area>.js.*) each script may read, besides admin.js.*.
SCRIPT_AREAS = {
    "api.js": None,
    "admin.js": None,
    "flex.js": None,
    "keywords.js": "search",
    "simulator.js": "search",
    "flows.js": "flows",
    "customers.js": "people",
    "messages.js": "people",
    "audiences.js": "audiences",
    "sequences.js": "sequences",
    "composer.js": "campaigns",
    "blocks.js": "blocks",  # a shared component: its texts are admin.blocks.js.*, on the pages that use it
}
JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _exists(key: str) -> bool:
    """A whole key, or (ending in "." or "_") a family that has at least one member."""
    if key.endswith((".", "_")):
        return any(k.startswith(key) for k in catalog())
    return has(key)


def _template_keys() -> set[str]:
    found = set()
    for path in TEMPLATES.rglob("*.html"):
        found.update(re.findall(r"""\bt\(\s*["'](admin\.[^"']*)["']""", path.read_text(encoding="utf-8")))
    return found


def _python_keys() -> set[str]:
    """Literal keys passed to t() in app/admin (f-strings give their literal head)."""
    found = set()
    for path in ADMIN.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t" and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
            elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                found.add(first.values[0].value)
    return found


def test_every_key_the_templates_and_code_use_exists():
    keys = _template_keys() | _python_keys()
    assert len(keys) > 250
    assert sorted(k for k in keys if not _exists(k)) == []


def test_every_key_the_scripts_use_is_on_their_pages():
    for name, area in SCRIPT_AREAS.items():
        source = (STATIC / name).read_text(encoding="utf-8")
        given = set(texts("admin.js.", "ja")) | (set(texts(f"admin.{area}.js.", "ja")) if area else set())
        used = re.findall(r"""\b(?:T|text)\(\s*"([^"]*)\"""", source)
        missing = [
            k for k in used if not (k in given or (k.endswith((".", "_")) and any(g.startswith(k) for g in given)))
        ]
        assert missing == [], name


def test_shared_and_area_script_texts_never_collide():
    shared = set(texts("admin.js.", "ja"))
    for area in {a for a in SCRIPT_AREAS.values() if a}:
        assert shared.isdisjoint(texts(f"admin.{area}.js.", "ja")), area


@pytest.mark.parametrize(
    "family,members",
    [
        ("admin.flow.", [*flows(), "other"]),
        ("admin.flows.about.", list(flows())),
        ("admin.status.", list(STATUSES)),
        ("admin.flows.editor.var.", sorted(set().union(*templates.VARIABLES.values()))),
        ("admin.flows.editor.status.", list(spec(Flow.SHIPPING_UPDATE).parts)),
        ("admin.flows.editor.discount.", ["none", "percentage", "fixed_amount"]),
        ("admin.flows.js.cycle.", ["types", "tags", "days", "remove"]),
        ("admin.js.lang_", ["ja", "en"]),
        ("admin.home.plan.", list(PLANS)),
        ("admin.home.quota.", ["line", "dry_run", "counted"]),
        ("admin.home.check.", [f"{item}.title" for item in ("store", "line", "catalog", "flows", "link")]),
        ("admin.people.attr.", ["recovered_checkout", "discount_code", "click"]),
        ("admin.search.sync.", ["pending", "running", "importing", "completed", "failed"]),
        ("admin.search.rules.answer.", ["text", "products", "collection"]),
        ("admin.search.rules.match.", ["contains", "exact"]),
        ("admin.privacy.topic.", ["customers/data_request", "customers/redact"]),
        ("admin.privacy.status.", ["completed", "redacted"]),
    ],
)
def test_every_value_a_page_names_has_a_text(family, members):
    assert [m for m in members if not has(f"{family}{m}")] == []


def test_checklist_and_field_error_keys_named_in_code_exist():
    source = "\n".join(p.read_text(encoding="utf-8") for p in ADMIN.rglob("*.py"))
    details = set(re.findall(r'"(check\.\w+\.\w+)"', source))
    failures = set(re.findall(r'\.fail\(\s*[^,]+,\s*"(\w+)"', source))
    assert len(details) >= 10 and len(failures) >= 15
    assert sorted(d for d in details if not has(f"admin.home.{d}")) == []
    assert sorted(f for f in failures if not has(f"admin.flows.err.{f}")) == []


# -- the scripts carry no text of their own ----------------------------------------------------

# A string literal in a script is code, not text, when it is one of these (anything else
# is text a merchant would read, and belongs in the page's texts).
CODE = (
    re.compile(r"^[a-z0-9_\-\s.#\[\]=\"'*:>,]*$"),  # selectors, class lists, attribute names
    re.compile(r"^[a-z][A-Za-z0-9]*$|^[A-Z]+$"),  # identifiers (camelCase), GET/POST
    re.compile(r"^[/?&][\w\-/?&=.]*$"),  # URL paths and query parts
    re.compile(r"^[^A-Za-z]*$"),  # digits and punctuation: "100%", " · ", "—"
)
# The literals that are none of these, each plainly not something a merchant reads.
ALLOWED = {"Accept", "Content-Type", "application/json", "calc(1em + ", "https://", "image/jpeg,image/png"}


def is_text(literal: str) -> bool:
    if JAPANESE.search(literal):
        return True
    if literal.startswith("<"):  # markup: the tags' text, if any, is what counts
        return is_text(re.sub(r"<[^>]*>", "", literal))
    if literal in ALLOWED:
        return False
    return not any(rule.match(literal) for rule in CODE)


def string_literals(source: str) -> list[str]:
    """The string literals of a script (comments, regex literals and template literals'
    code skipped): enough of a tokenizer for these files."""
    out, i, n, last = [], 0, len(source), ""
    while i < n:
        c = source[i]
        if source.startswith("//", i):
            i = source.find("\n", i) if "\n" in source[i:] else n
        elif source.startswith("/*", i):
            i = source.index("*/", i) + 2
        elif c in "\"'`":
            j, buf = i + 1, []
            while source[j] != c:
                if source[j] == "\\":
                    buf.append(source[j : j + 2])
                    j += 2
                    continue
                buf.append(source[j])
                j += 1
            out.append("".join(buf))
            i, last = j + 1, "x"
        elif c == "/" and last in "(,=:[!&|?{};+":
            j = i + 1
            while source[j] != "/":  # a regex literal
                j += 2 if source[j] == "\\" else 1
                if source[j - 1] == "[":
                    while source[j] != "]":
                        j += 2 if source[j] == "\\" else 1
            i, last = j + 1, "x"
        else:
            if not c.isspace():
                last = c if not (c.isalnum() or c in "_$") else "x"
                if c.isalnum():  # `return /re/`: a keyword ending in a letter is a word
                    word = re.match(r"[A-Za-z_$][\w$]*", source[i:])
                    if word and word.group(0) in ("return", "typeof", "case"):
                        last = "("
                    i += len(word.group(0)) if word else 1
                    continue
            i += 1
    return out


@pytest.mark.parametrize("name", sorted(SCRIPT_AREAS))
def test_scripts_hold_no_text_of_their_own(name):
    literals = string_literals((STATIC / name).read_text(encoding="utf-8"))
    assert literals, name
    assert [s for s in literals if is_text(s)] == [], f"{name}: say these through TsunaguApi.text and the page's texts"


def test_the_literal_scanner_finds_text():
    source = (
        'el("div", "tf-note", "(sticker)"); say(box, "Network error"); x = /a"b\\//.test(y);\n'
        "// a 'comment'\nz = '保存'; w = `Network`; v = \"<b>Save</b>\"; u = \"badge badge-info\";"
    )
    found = string_literals(source)
    assert found == [
        "div",
        "tf-note",
        "(sticker)",
        "Network error",
        "保存",
        "Network",
        "<b>Save</b>",
        "badge badge-info",
    ]
    assert [s for s in found if is_text(s)] == ["(sticker)", "Network error", "保存", "Network", "<b>Save</b>"]
