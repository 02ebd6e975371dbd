#!/bin/sh
# Run by `shopify app dev` (see shopify.web.toml): migrate, then the worker and the Flask app
# on $PORT side by side. The web process only records webhooks; the worker handles them and
# sends what the flows schedule, so a development store behaves as in production.
# They stop together: when either one ends, or this script is stopped (the CLI's TERM,
# Ctrl-C), the other is stopped too.
set -e
cd "$(dirname "$0")/.."
if [ -z "${FLASK:-}" ]; then  # FLASK names another flask command (tests pass a stub)
  [ -x .venv/bin/python ] || { python3 -m venv .venv && .venv/bin/pip install -q -r requirements.txt; }
  FLASK=.venv/bin/flask
fi

"$FLASK" --app wsgi migrate
"$FLASK" --app wsgi worker &
worker=$!
"$FLASK" --app wsgi run --host 127.0.0.1 --port "${PORT:-8000}" --debug &
web=$!

stop() {
  trap - EXIT INT TERM
  # TERM, not INT: a background process of a script ignores SIGINT.
  kill "$worker" "$web" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

while kill -0 "$web" 2>/dev/null && kill -0 "$worker" 2>/dev/null; do
  sleep 1
done
if kill -0 "$web" 2>/dev/null; then
  echo "shopify-dev: the worker stopped, stopping the web process" >&2
else
  echo "shopify-dev: the web process stopped, stopping the worker" >&2
fi
exit 1
