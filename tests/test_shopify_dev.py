"""`npx shopify app dev` runs scripts/shopify-dev.sh: the worker starts beside the web
process, and the two stop together. The script runs here with a stub `flask` (FLASK) that
logs what it is asked to run and how it ends; no Shopify CLI, venv or server needed."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "shopify-dev.sh"
STUB = """#!/bin/sh
# flask --app wsgi <command> ...: log the command and pid, then behave like it.
echo "start $3 $$" >> "$LOG"
case "$3" in
  migrate) exit 0 ;;
  "$STOP_ON_ITS_OWN") sleep 1; echo "exit $3 $$" >> "$LOG"; exit 3 ;;
esac
trap 'echo "term $3 $$" >> "$LOG"; exit 0' TERM
while :; do sleep 0.1; done
"""


def start(tmp_path: Path, stops_on_its_own: str = "") -> tuple[subprocess.Popen, Path]:
    stub, log = tmp_path / "flask", tmp_path / "log"
    stub.write_text(STUB)
    stub.chmod(0o755)
    env = {**os.environ, "FLASK": str(stub), "LOG": str(log), "STOP_ON_ITS_OWN": stops_on_its_own, "PORT": "8123"}
    script = subprocess.Popen(["sh", str(SCRIPT)], env=env, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: log.exists() and "start run" in log.read_text() and "start worker" in log.read_text())
    return script, log


def wait_for(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def pids(log: Path) -> dict[str, int]:
    return {line.split()[1]: int(line.split()[2]) for line in log.read_text().splitlines() if line.startswith("start")}


def test_migrates_then_runs_the_worker_beside_the_web_process(tmp_path):
    script, log = start(tmp_path)
    try:
        started = pids(log)
        assert list(started) == ["migrate", "worker", "run"] or list(started) == ["migrate", "run", "worker"]
        assert running(started["worker"]) and running(started["run"])
    finally:
        script.terminate()
        script.wait(10)


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_stopping_the_script_stops_both(tmp_path, sig, code):
    script, log = start(tmp_path)
    started = pids(log)

    script.send_signal(sig)

    assert script.wait(10) == code
    text = log.read_text()
    assert f"term worker {started['worker']}" in text and f"term run {started['run']}" in text
    assert not running(started["worker"]) and not running(started["run"])


@pytest.mark.parametrize("ended, other", [("run", "worker"), ("worker", "run")])
def test_when_one_process_ends_the_other_is_stopped(tmp_path, ended, other):
    script, log = start(tmp_path, stops_on_its_own=ended)
    started = pids(log)

    assert script.wait(15) == 1
    text = log.read_text()
    assert f"exit {ended}" in text and f"term {other} {started[other]}" in text
    assert not running(started[other])
    assert "stopping the" in script.stderr.read()
