"""Keeping Python's garbage collector off the app's own startup objects.

A loaded app holds about 290,000 GC-tracked objects (Flask, SQLAlchemy's mappers, LINE's
SDK models, Babel…) that live as long as the process. Every full collection walked them
all: 100 ms measured, and a page that builds a large result (a campaign's results read
50,000 recipients) set one off on most requests, so its p95 was 250-350 ms against an
80-90 ms median. `gc.freeze()` moves what exists at startup into the permanent generation:
later collections look only at what requests create. Called once by each process entry
(wsgi.py: gunicorn workers and the scheduler worker), never by create_app (tests build
hundreds of apps and must be able to free them).
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect what startup left behind, then freeze the rest out of future collections."""
    gc.collect()
    gc.freeze()
