#!/bin/sh
# `make demo`: seed the demo store, then run the worker and the web app side by side
# (the worker runs webhook handlers and scheduled jobs). Ctrl-C stops both.
set -e
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
export APP_URL="${APP_URL:-http://127.0.0.1:$PORT}"  # absolute image and link URLs in the demo
$BIN/flask --app wsgi demo
$BIN/flask --app wsgi worker &
WORKER=$!
trap 'kill $WORKER 2>/dev/null' EXIT INT TERM
echo "Tsunagu demo: http://127.0.0.1:$PORT/"
$BIN/flask --app wsgi run --host 127.0.0.1 --port "$PORT"
