"""Honest test runs: under CI a missing PostgreSQL or Chromium fails the run at session
start; without CI the tests that need one are skipped with the reason.

Each case runs pytest in a subprocess with the environment it describes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLOSED = "postgresql+psycopg://postgres@127.0.0.1:9/nothing"  # nothing listens on port 9


def pytest_run(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "TEST_DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_under_ci_a_missing_postgresql_or_chromium_fails_the_run():
    run = pytest_run("tests/test_config.py", CI="1", TEST_DATABASE_URL=CLOSED, PATH=str(Path(sys.executable).parent))
    said = run.stdout + run.stderr
    assert run.returncode == 4, said
    assert "TEST_DATABASE_URL does not answer" in said and "chromium is not on PATH" in said
    assert "passed" not in said


def test_without_ci_what_needs_postgresql_or_chromium_is_skipped_with_the_reason():
    run = pytest_run(
        "tests/flows/test_worker_crash.py",
        "tests/admin/test_browser.py::test_keyboard_reaches_the_navigation",
        PATH=str(Path(sys.executable).parent),
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "needs postgresql: TEST_DATABASE_URL is not set" in run.stdout
    assert "needs browser: Debian's chromium is not on PATH" in run.stdout
    assert "2 skipped" in run.stdout
