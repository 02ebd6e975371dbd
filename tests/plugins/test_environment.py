"""Honest test runs: under CI a missing PostgreSQL or Chromium fails the run at session
start and a test that skips fails; without CI the tests that need one are skipped with
the reason. The whole-run cases run pytest in a subprocess with the environment they describe.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugins import environment

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


def reported(outcome: str, longrepr) -> pytest.TestReport:
    """What the environment plugin makes of a test's report."""
    report = pytest.TestReport("t.py::t", ("t.py", 0, "t"), {}, outcome, longrepr, "call")
    hook = environment.pytest_runtest_makereport(item=None, call=None)
    next(hook)
    with pytest.raises(StopIteration) as done:
        hook.send(report)
    return done.value.value


def test_under_ci_a_test_that_skips_fails(monkeypatch):
    monkeypatch.setenv("CI", "1")
    report = reported("skipped", ("t.py", 1, "Skipped: could not import 'jsonschema'"))
    assert report.outcome == "failed" and "could not import 'jsonschema'" in report.longrepr


def test_without_ci_a_skip_stays_a_skip(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert reported("skipped", ("t.py", 1, "Skipped: later")).outcome == "skipped"
