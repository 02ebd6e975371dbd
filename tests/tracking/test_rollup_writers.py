"""Every writer of notification rows moves the daily rollups in the same function.

The rollups (app/tracking/rollups.py) are kept in step by the code that changes the rows,
not recomputed: a new writer that forgets them makes Home and the Flows page drift from
the truth without any test noticing. This reads the app's source: each function that
inserts, updates or deletes notification rows through SQL (or builds a `Notification`)
must also call into `rollups` (or `rollup_rebuild`, for rows written as history).
Writes through an ORM object's attributes are not seen here; the recount test
(test_rollups.py) covers the flows that do that.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
WRITE_CALLS = {"update", "delete", "insert", "sqlite_insert", "pg_insert", "insert_ignoring_conflict"}
EXEMPT = {
    "tracking/rollups.py",  # the rollups themselves (set_status moves rows and rollups together)
    "tracking/rollup_rebuild.py",  # recounts from the rows
}
# Functions that write rows whose rollups a caller rebuilds once at the end.
REBUILT_BY_CALLER = {"demo/history.py _push"}  # seed_history rebuilds the shop's rollups


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _is_write(call: ast.Call, tainted: set[str]) -> bool:
    name = call.func.id if isinstance(call.func, ast.Name) else None
    if name == "Notification":
        return True
    if name in WRITE_CALLS:
        return any(_names(arg) & tainted for arg in call.args)
    return False


def _module_taint(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names bound at module level to the notifications table (or the model), and to
    statements that write it."""
    tables, statements = {"Notification"}, set()
    changed = True
    while changed:
        changed = False
        for node in tree.body:
            if not isinstance(node, ast.Assign) or not all(isinstance(t, ast.Name) for t in node.targets):
                continue
            targets = {t.id for t in node.targets}
            writes = any(isinstance(c, ast.Call) and _is_write(c, tables) for c in ast.walk(node.value))
            bucket = statements if writes or _names(node.value) & statements else tables
            if _names(node.value) & (tables | statements) and not targets <= bucket:
                bucket |= targets
                changed = True
    return tables, statements


def _writers_without_rollups() -> list[str]:
    found = []
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP).as_posix()
        if relative in EXEMPT or relative.startswith("models/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tables, statements = _module_taint(tree)
        for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            writes = any(isinstance(c, ast.Call) and _is_write(c, tables) for c in ast.walk(func))
            writes = writes or bool(_names(func) & statements)
            if writes and f"{relative} {func.name}" in REBUILT_BY_CALLER:
                continue
            if writes and not _names(func) & {"rollups", "rollup_rebuild"}:
                found.append(f"{relative}:{func.lineno} {func.name}")
    return found


def test_every_notification_writer_moves_the_rollups():
    assert _writers_without_rollups() == []


def test_the_check_sees_a_writer_that_forgets_them(tmp_path, monkeypatch):
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "forgetful.py").write_text(
        "from sqlalchemy import update\n"
        "from ..models import Notification\n"
        "_T = Notification.__table__\n"
        "_CANCEL = update(_T).values(status='cancelled')\n"
        "def cancel_all(session):\n"
        "    session.execute(_CANCEL)\n"
        "def make(session):\n"
        "    session.add(Notification(flow='x'))\n"
        "def fine(session):\n"
        "    session.execute(update(Notification).values(status='sent'))\n"
        "    rollups.set_status(session=session)\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["APP"]), "APP", tmp_path)
    assert _writers_without_rollups() == ["flows/forgetful.py:5 cancel_all", "flows/forgetful.py:7 make"]
