#!/bin/sh
# Run by `shopify app dev` (see shopify.web.toml): migrate, then serve Flask on $PORT.
set -e
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || { python3 -m venv .venv && .venv/bin/pip install -q -r requirements.txt; }
.venv/bin/flask --app wsgi migrate
exec .venv/bin/flask --app wsgi run --host 127.0.0.1 --port "${PORT:-8000}" --debug
