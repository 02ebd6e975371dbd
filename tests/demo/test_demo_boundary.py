"""Production modules do not know the demo exists: it reaches them only through fakes at the
HTTP boundary (its Shopify) and settings (LINE's dry run)."""

from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
DEMO = re.compile(r"demo", re.IGNORECASE)
# Reading the mode from config is allowed anywhere (the banner, refusing a real LINE channel).
CONFIG = re.compile(r"demo[ _-]mode", re.IGNORECASE)
# Where the demo may be named: its own package, the settings that turn it on, the factory and
# commands that wire it, and the admin's loopback-only entry that serves the demo shop.
ALLOWED = ("demo/", "config.py", "cli.py", "__init__.py", "shopify/auth.py")
# Stored data, not behaviour: the loopback entry finds the demo shop by its flag, and the
# demo's catalog sync records its own trigger.
DATA = {"models/shop.py": "is_demo: bool = False", "models/search.py": "# install | manual | nightly | demo"}


def mentions() -> list[str]:
    found = []
    for path in sorted(APP.rglob("*.py")):
        name = path.relative_to(APP).as_posix()
        if name.startswith(ALLOWED):  # top-level names match only at the top
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if DEMO.search(line) and not CONFIG.search(line) and DATA.get(name, "\0") not in line:
                found.append(f"app/{name}:{number}: {line.strip()}")
    return found


def test_no_production_module_mentions_the_demo():
    assert mentions() == []
