"""A failed LINE call, and what LINE's error answers say: the status, LINE's own message
(with its per-field details), whether a retry can help, and how long LINE asks us to wait."""

from __future__ import annotations

import json

from linebot.v3.messaging import ApiException


class LineError(RuntimeError):
    """A failed LINE call: status 0 means no answer (timeout, refused)."""

    def __init__(self, message: str, *, status: int = 0, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


def api_error(exc: ApiException) -> LineError:
    status = exc.status or 0
    message = _message(exc.body) or exc.reason or "LINE error"
    retryable = status >= 500 or status == 429
    return LineError(f"LINE {status}: {message}", status=status, retryable=retryable)


def _message(body) -> str:
    try:
        doc = json.loads(body or b"{}")
    except (ValueError, TypeError):
        return ""
    details = "; ".join(f"{d.get('property', '')}: {d.get('message', '')}" for d in doc.get("details") or [])
    return (doc.get("message") or "") + (f" ({details})" if details else "")


def retry_after(exc: ApiException) -> float:
    try:
        value = float((exc.headers or {}).get("Retry-After", ""))
    except ValueError:
        value = 1.0
    return max(0.1, min(value, 30.0))
