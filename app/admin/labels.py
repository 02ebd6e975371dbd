"""Stored values (a notification's flow and status) named in the merchant's language.

Every flow of the registry has a name (admin.flow.<flow>; a test checks it); "other" names
what no flow explains. A flow the catalog does not know (a row written by a newer
version) is shown as stored rather than breaking the page.
"""

from __future__ import annotations

from ..i18n import has, t

OTHER = "other"


def flow_name(flow: str | None, lang: str) -> str:
    key = f"admin.flow.{flow or OTHER}"
    return t(key, lang) if has(key) else str(flow)


def status_name(status: str, lang: str) -> str:
    return t(f"admin.status.{status}", lang)
