"""How long personal data is kept, and the same periods in the merchant's words.

The periods are deployment settings (RETENTION_WEBHOOK_DAYS, RETENTION_FAILED_WEBHOOK_DAYS,
RETENTION_CHAT_DAYS in app/config.py): they are the operator's promise in the privacy
policy, the same for every shop. The Privacy page shows them with `retention_summary`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..config import Settings
from ..i18n import language, t

# Link requests (nonces) are good for ten minutes; a spent or expired one is kept a day
# for support questions ("the link did not work"), then it goes.
NONCE_DAYS = 1


@dataclass(frozen=True)
class Periods:
    deliveries: timedelta  # raw bodies of handled (or ignored) deliveries
    failed: timedelta  # raw bodies whose handler failed, kept for a retry until then
    chat: timedelta  # what shoppers wrote; dry-run requests; who searched for what
    nonces: timedelta = timedelta(days=NONCE_DAYS)

    @classmethod
    def from_settings(cls, settings: Settings) -> Periods:
        return cls(
            deliveries=timedelta(days=settings.retention_webhook_days),
            failed=timedelta(days=settings.retention_failed_webhook_days),
            chat=timedelta(days=settings.retention_chat_days),
        )


@dataclass(frozen=True)
class RetentionRow:
    key: str
    days: int
    what: str  # what is kept
    then: str  # what happens after `days`


def retention_summary(*, shop, settings: Settings) -> list[RetentionRow]:
    """The retention periods, in the merchant's language, for the Privacy page."""
    lang = language(shop=shop)
    periods = Periods.from_settings(settings)
    rows = [
        ("deliveries", periods.deliveries),
        ("failed_deliveries", periods.failed),
        ("chat", periods.chat),
        ("link_requests", periods.nonces),
    ]
    return [
        RetentionRow(
            key=key,
            days=period.days,
            what=t(f"privacy.retention.{key}.what", lang),
            then=t(f"privacy.retention.{key}.then", lang, days=period.days),
        )
        for key, period in rows
    ]
