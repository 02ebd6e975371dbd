"""What this machine offers the tests (PostgreSQL, Chromium) and what happens without it.

Tests that need PostgreSQL are marked `postgresql` (the PostgreSQL run of every database
test is, too), browser tests `browser`. A developer without one gets those tests skipped,
each with the reason. Under CI=1 (.ci/run sets it) a missing one fails the run at session
start instead, and any test that still skips (a missing module, a missing route) fails:
a green CI run has run every test.
"""

from __future__ import annotations

import functools
import os
import shutil

import pytest
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
CHROMIUM = shutil.which("chromium")


def strict() -> bool:
    """CI=1 (or any CI value but 0/false): nothing may be skipped for want of a service."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@functools.cache
def postgresql_missing() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when they can."""
    if not PG_URL:
        return "TEST_DATABASE_URL is not set"
    engine = create_engine(PG_URL, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        said = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return f"TEST_DATABASE_URL does not answer ({exc.__class__.__name__}: {said[0] if said else ''})"
    finally:
        engine.dispose()
    return None


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    return None if CHROMIUM else "Debian's chromium is not on PATH"


def backends() -> list:
    """The databases each database test runs on: SQLite, and PostgreSQL when it is configured
    (skipped, with the reason, when it does not answer)."""
    return ["sqlite"] + ([pytest.param("postgresql", marks=pytest.mark.postgresql)] if PG_URL else [])


def pytest_report_header(config) -> list[str]:
    pg, chromium = postgresql_missing(), chromium_missing()
    return [
        f"PostgreSQL: {pg or 'yes'}; Chromium: {chromium or CHROMIUM}"
        + ("; CI: a missing one fails the run" if strict() else ""),
    ]


def pytest_sessionstart(session) -> None:
    if not strict():
        return
    missing = [m for m in (postgresql_missing(), chromium_missing()) if m]
    if missing:
        pytest.exit(
            "CI is set, so no test may be skipped for want of PostgreSQL or Chromium, but "
            + "; ".join(missing)
            + ". Start PostgreSQL and set TEST_DATABASE_URL, install chromium (.ci/run does both), "
            "or unset CI to run with skips.",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if strict() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI is set, so no test may skip, but this one did: {reason}"
    return report


def pytest_collection_modifyitems(config, items) -> None:
    """Without CI: skip what this machine cannot run, saying why."""
    for marker, missing in (("postgresql", postgresql_missing), ("browser", chromium_missing)):
        needing = [item for item in items if item.get_closest_marker(marker)]
        reason = missing() if needing else None
        for item in needing if reason else ():
            item.add_marker(pytest.mark.skip(reason=f"needs {marker}: {reason}"))
