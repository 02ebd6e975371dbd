"""Where a bench's CPU goes: seconds used by process groups over a timed phase (Linux /proc).

bench/webhooks.py reads it around each saturated phase to show, per answered request, what
the web workers, PostgreSQL's processes and the load generator each cost, next to the whole
machine's busy time. On a machine without /proc (`available()` is False) nothing is read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

PROC = Path("/proc")
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def available() -> bool:
    return (PROC / "stat").exists()


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, user + system CPU seconds) of a live process, else None."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
    return name, int(rest[1]), (int(rest[11]) + int(rest[12])) / TICK


def _processes() -> dict[int, tuple[str, int, float]]:
    found = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))) is not None:
            found[int(entry.name)] = st
    return found


def tree_seconds(root: int, procs: dict[int, tuple[str, int, float]]) -> float:
    """CPU seconds of a process and all its live descendants (a gunicorn master and workers)."""
    children: dict[int, list[int]] = {}
    for pid, (_, ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += procs[pid][2] if pid in procs else 0.0
        todo += children.get(pid, [])
    return total


def named_seconds(name: str, procs: dict[int, tuple[str, int, float]]) -> float:
    """CPU seconds of every live process with this command name (PostgreSQL's: 'postgres')."""
    return sum(cpu for comm, _, cpu in procs.values() if comm == name)


def machine_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of all cores since boot, from the first line of /proc/stat."""
    fields = [int(x) for x in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / TICK, sum(fields[:8]) / TICK


def snapshot(parts: dict[str, Callable[[dict[int, tuple[str, int, float]]], float]]) -> dict[str, float]:
    """Each named group's CPU seconds so far (a function of the process table), and the machine's."""
    procs = _processes()
    busy, total = machine_seconds()
    return {**{k: f(procs) for k, f in parts.items()}, "machine busy": busy, "machine all": total}


def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: after[k] - before[k] for k in before}


def add(samples: Iterable[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for s in samples:
        for k, v in s.items():
            total[k] = total.get(k, 0.0) + v
    return total
