"""PostgreSQL: the 1-2 character pieces so common that looking them up narrows nothing,
and the frequent ones whose lookup alone the planner answers with a scan of the table.

A size ("S", "M", "L") or a word like 国産 sits in a third of a catalog or more. Looked up in
the grams index beside a longer word, it makes the planner AND two bitmaps, and the common
piece's bitmap costs more than the whole rest of the lookup: "ワンピース S" read 46,345
entries for "s" (7 ms) to keep 466 of the 1,529 titles with "ワンピース", where testing "s"
on those rows costs under a millisecond. The planner knows the piece is common (its
estimate was right) and ANDs it anyway, so the app decides: a word whose every alternative
is a common piece is tested on the rows the other words find (`Common`, see
conditions.finding); alone, or with common pieces only, it is still looked up.

A frequent piece (`Frequent`: in FREQUENT_SHARE of the products or more; every common piece
is one) looked up for the first CAP matches is where the planner expects a scan of the
table to meet them sooner than the index: for 茶 (14 % of 100,000 products) it read ~2,100
rows, splitting each one's grams (3.5 us a row), 8 ms. Such a lookup also tests the piece as
a substring first (conditions.has_gram), which rejects the other rows for a fraction of
that: the scan reads as many rows but costs what the index would.

Which pieces are common or frequent comes from the planner's statistics on the grams index
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
# The planner scanned for a piece alone from about 10 % at 100,000 products (新 13 %: a
# scan; 本 7 %: the index); the share where it tips falls as a catalog grows.
FREQUENT_SHARE = 0.05
REFRESH_S = 600.0
GRAMS_INDEX = "ix_product_search_grams"


class Frequent(str):
    """A 1-2 character piece in at least FREQUENT_SHARE of the products."""


class Common(Frequent):
    """A 1-2 character piece in at least COMMON_SHARE of the products."""


_read: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> (read at, shares)
_lock = threading.Lock()


def common_pieces(session: Session) -> frozenset[str]:
    """The pieces in COMMON_SHARE of the products or more."""
    return frozenset(p for p, share in piece_shares(session).items() if share >= COMMON_SHARE)


def piece_shares(session: Session) -> dict[str, float]:
    """Each frequent piece's share of the products, by the planner's statistics."""
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        return {}
    with _lock:
        held = _read.get(engine)
    if held is not None and time.monotonic() - held[0] < REFRESH_S:
        return held[1]
    shares = _from_statistics(session)
    with _lock:
        _read[engine] = (time.monotonic(), shares)
    return shares


def _from_statistics(session: Session) -> dict[str, float]:
    row = session.execute(
        text(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
            " WHERE schemaname = current_schema() AND tablename = :index"
        ),
        {"index": GRAMS_INDEX},
    ).first()
    if row is None or row[0] is None:  # never analysed
        return {}
    pieces, shares = row  # the frequencies end with three summary figures: zip stops before
    return {p: share for p, share in zip(pieces, shares, strict=False) if share >= FREQUENT_SHARE and p}


def marked(expanded: list[list[str]], shares: dict[str, float]) -> list[list[str]]:
    """Each word's alternatives, the frequent pieces among them as `Frequent` or `Common`."""
    if not shares:
        return expanded

    def mark(a: str) -> str:
        share = shares.get(a) if type(a) is str else None
        if share is None:
            return a
        return Common(a) if share >= COMMON_SHARE else Frequent(a)

    return [[mark(a) for a in alts] for alts in expanded]


def forget() -> None:
    """Read the statistics again on next use (tests)."""
    with _lock:
        _read.clear()
