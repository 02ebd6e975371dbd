"""PostgreSQL: the 1-2 character pieces so common that looking them up narrows nothing.

A size ("S", "M", "L") or a word like 国産 sits in a third of a catalog or more. Looked up in
the grams index beside a longer word, it makes the planner AND two bitmaps, and the common
piece's bitmap costs more than the whole rest of the lookup: "ワンピース S" read 46,345
entries for "s" (7 ms) to keep 466 of the 1,529 titles with "ワンピース", where testing "s"
on those rows costs under a millisecond. The planner knows the piece is common (its
estimate was right) and ANDs it anyway, so the app decides: a word whose every alternative
is a common piece is tested on the rows the other words find (`Common`, see
conditions.finding); alone, or with common pieces only, it is still looked up.

Which pieces are common comes from the planner's statistics on the grams index
(`pg_stats.most_common_elems`, refreshed by ANALYZE), read once per process every few
minutes. SQLite answers from FTS5 tables and has no such choice: nothing is common there.
"""

from __future__ import annotations

import threading
import time
import weakref

from sqlalchemy import text
from sqlmodel import Session

COMMON_SHARE = 0.2  # in at least this share of products (the planner's sample)
REFRESH_S = 600.0
GRAMS_INDEX = "ix_product_search_grams"


class Common(str):
    """A 1-2 character piece in at least COMMON_SHARE of the products."""


_read: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> (read at, pieces)
_lock = threading.Lock()


def common_pieces(session: Session) -> frozenset[str]:
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        return frozenset()
    with _lock:
        held = _read.get(engine)
    if held is not None and time.monotonic() - held[0] < REFRESH_S:
        return held[1]
    pieces = _from_statistics(session)
    with _lock:
        _read[engine] = (time.monotonic(), pieces)
    return pieces


def _from_statistics(session: Session) -> frozenset[str]:
    row = session.execute(
        text(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
            " WHERE schemaname = current_schema() AND tablename = :index"
        ),
        {"index": GRAMS_INDEX},
    ).first()
    if row is None or row[0] is None:  # never analysed
        return frozenset()
    pieces, shares = row
    return frozenset(p for p, share in zip(pieces, shares, strict=False) if share >= COMMON_SHARE and p)


def marked(expanded: list[list[str]], common: frozenset[str]) -> list[list[str]]:
    """Each word's alternatives, the common pieces among them as `Common`."""
    if not common:
        return expanded
    return [[Common(a) if type(a) is str and a in common else a for a in alts] for alts in expanded]


def forget() -> None:
    """Read the statistics again on next use (tests)."""
    with _lock:
        _read.clear()
