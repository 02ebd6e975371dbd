"""What the admin's browser tests share: Debian's headless Chromium, where screenshots go
(artifacts/screenshots/, for a person to look at), and a mark that skips without Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
requires_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
