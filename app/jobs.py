"""The worker's named jobs, in one place. Each job takes the time it runs for.

`flask --app wsgi worker` schedules them with APScheduler in its own process;
`flask --app wsgi run-due --now <ISO>` runs each once for a given moment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask

from . import ext
from .campaigns.insight import refresh_due as refresh_campaign_insight
from .campaigns.planning import start_due as start_due_campaigns
from .campaigns.sending import send_due as send_campaign_chunks
from .campaigns.winner import pick_due as pick_campaign_winners
from .db import session_scope
from .ext import engine
from .flows.browse_abandonment import remind_due as remind_browsers
from .flows.dispatcher import dispatch_due
from .line.events import process_orphaned_events
from .line.followers import advance_imports
from .line.profiles import fill_profiles
from .line.replies import send_pending
from .privacy.periods import Periods
from .privacy.retention import trim_expired
from .richmenus.assign import keep_all_in_step as keep_rich_menus_in_step
from .search.index import refresh_best_sellers
from .sequences.advance import advance_due as advance_sequences
from .sequences.segments import check_segments as check_sequence_segments
from .shopify.flow_triggers import send_due as send_shopify_flow_triggers
from .shopify.marketing_activity import report_due as report_marketing_activities
from .shopify.processing import process_due_events
from .shopify.tokens import refresh_expiring_tokens
from .shopify.web_pixel import activate_due as activate_web_pixels
from .sync.catalog import advance_syncs, nightly_syncs
from .sync.policies import refresh_due_policies
from .sync.tags import sync_line_tags

log = logging.getLogger("tsunagu.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    every_s: int
    run: Callable[[Flask, datetime], dict]


def _process_webhooks(app: Flask, now: datetime) -> dict:
    return process_due_events(engine=engine(app), now=now)


def _send_notifications(app: Flask, now: datetime) -> dict:
    return dispatch_due(engine=engine(app), now=now)


def _browse_reminders(app: Flask, now: datetime) -> dict:
    return remind_browsers(engine=engine(app), now=now)


def _start_campaigns(app: Flask, now: datetime) -> dict:
    return start_due_campaigns(engine=engine(app), now=now)


def _send_campaigns(app: Flask, now: datetime) -> dict:
    return send_campaign_chunks(engine=engine(app), now=now)


def _campaign_insight(app: Flask, now: datetime) -> dict:
    return refresh_campaign_insight(engine=engine(app), now=now)


def _marketing_activities(app: Flask, now: datetime) -> dict:
    return report_marketing_activities(engine=engine(app), now=now)


def _web_pixels(app: Flask, now: datetime) -> dict:
    return activate_web_pixels(engine=engine(app), now=now)


def _shopify_flow_triggers(app: Flask, now: datetime) -> dict:
    return send_shopify_flow_triggers(engine=engine(app), now=now)


def _pick_winners(app: Flask, now: datetime) -> dict:
    return pick_campaign_winners(engine=engine(app), now=now)


def _refresh_tokens(app: Flask, now: datetime) -> dict:
    with session_scope(engine(app)) as session:
        return refresh_expiring_tokens(session=session, now=now)


def _line_events(app: Flask, now: datetime) -> dict:
    handled = process_orphaned_events(engine=engine(app), now=now)
    answered = send_pending(engine=engine(app), now=now)
    return handled | {f"reply_{k}": v for k, v in answered.items()}


def _line_profiles(app: Flask, now: datetime) -> dict:
    return fill_profiles(engine=engine(app), now=now)


def _line_tags(app: Flask, now: datetime) -> dict:
    with session_scope(engine(app)) as session:
        return {k: v for k, v in sync_line_tags(session=session, now=now).items() if v}


def _sequences(app: Flask, now: datetime) -> dict:
    return advance_sequences(engine=engine(app), now=now)


def _sequence_segments(app: Flask, now: datetime) -> dict:
    return check_sequence_segments(engine=engine(app), now=now)


def _catalog_syncs(app: Flask, now: datetime) -> dict:
    return advance_syncs(engine=engine(app), now=now)


def _nightly_syncs(app: Flask, now: datetime) -> dict:
    return nightly_syncs(engine=engine(app), now=now)


def _shop_policies(app: Flask, now: datetime) -> dict:
    return refresh_due_policies(engine=engine(app), now=now)


def _best_sellers(app: Flask, now: datetime) -> dict:
    with session_scope(engine(app)) as session:
        changed = refresh_best_sellers(session=session, now=now)
    return {"changed": changed} if changed else {}


def _follower_imports(app: Flask, now: datetime) -> dict:
    return advance_imports(engine=engine(app), now=now)


def _rich_menus(app: Flask, now: datetime) -> dict:
    return keep_rich_menus_in_step(engine=engine(app), now=now)


def _trim_personal_data(app: Flask, now: datetime) -> dict:
    periods = Periods.from_settings(ext.settings(app))
    return trim_expired(engine=ext.engine(app), now=now, periods=periods)


JOBS: list[Job] = [
    # New deliveries and failed ones whose backoff has passed; drains what is due each run.
    Job("process_webhooks", every_s=1, run=_process_webhooks),
    # The outbox: due notifications through the policies to LINE (after the webhooks
    # above, so an order that cancels a reminder is seen before the reminder goes).
    # Step sequences: due runs put their step in the outbox (after the webhooks, so an order
    # that ends a run is seen first; before the sender, which sends the step in the same tick);
    # segment-triggered sequences look for new members.
    Job("advance_sequences", every_s=5, run=_sequences),
    Job("check_sequence_segments", every_s=300, run=_sequence_segments),
    Job("send_notifications", every_s=1, run=_send_notifications),
    # Browse abandonment: customers whose last product view (web pixel) is N hours old get
    # at most one reminder a day with what they looked at (app/flows/browse_abandonment.py).
    Job("remind_browsers", every_s=60, run=_browse_reminders),
    # Campaigns: due ones get their recipients fixed into chunks, then the chunks go out
    # exactly once (app/campaigns), giving way to due order and shipping messages.
    Job("start_campaigns", every_s=1, run=_start_campaigns),
    Job("send_campaigns", every_s=1, run=_send_campaigns),
    # Results: LINE's opens and clicks per campaign variant (hourly per campaign, for two
    # weeks after it ends), and each campaign's marketing activity in Shopify (retried).
    Job("refresh_campaign_insight", every_s=300, run=_campaign_insight),
    Job("report_marketing_activities", every_s=30, run=_marketing_activities),
    # The storefront's web pixel (browse abandonment) created in each shop that granted
    # write_pixels, pointing at this APP_URL (app/shopify/web_pixel.py; retried).
    Job("activate_web_pixels", every_s=60, run=_web_pixels),
    # LINE events that start the shop's Shopify Flow workflows (only triggers it uses), retried.
    Job("send_shopify_flow_triggers", every_s=5, run=_shopify_flow_triggers),
    # A/B tests whose time is up: the winner chosen once, then planned for the rest.
    Job("pick_campaign_winners", every_s=60, run=_pick_winners),
    Job("refresh_expiring_tokens", every_s=300, run=_refresh_tokens),
    # Chat events a request could not finish (crash, time budget, LINE down), and replies
    # LINE did not take in time: handled late, not lost.
    Job("process_line_events", every_s=5, run=_line_events),
    # Profiles LINE could not give within a webhook's time (a follow is greeted without).
    Job("fill_line_profiles", every_s=30, run=_line_profiles),
    Job("sync_line_tags", every_s=30, run=_line_tags),
    # Full catalog syncs step by step (bulk operation → JSONL import); one a day per shop.
    Job("advance_catalog_syncs", every_s=10, run=_catalog_syncs),
    Job("nightly_catalog_syncs", every_s=3600, run=_nightly_syncs),
    Job("refresh_best_sellers", every_s=3600, run=_best_sellers),
    # The shop's policies, read again at install and after shop/update (store questions in the chat).
    Job("refresh_shop_policies", every_s=10, run=_shop_policies),
    # Importing a LINE account's existing followers, page by page, resumable (line/followers.py).
    Job("import_line_followers", every_s=10, run=_follower_imports),
    # Rich menus: friends whose audience changed (linked, bought, entered a segment, a
    # period started or ended) get their menu; only they are re-linked (app/richmenus).
    Job("keep_rich_menus_in_step", every_s=60, run=_rich_menus),
    # Personal data past its retention period: raw bodies, chat texts (app/privacy/retention.py).
    Job("trim_personal_data", every_s=600, run=_trim_personal_data),
]


def run_job(app: Flask, job: Job, now: datetime) -> dict:
    """Run one job inside an app context; a failure is logged, never raised to the scheduler."""
    with app.app_context():
        try:
            result = job.run(app, now)
        except Exception:
            log.exception("job failed name=%s", job.name)
            return {"error": 1}
    if result:
        log.info("job done name=%s result=%s", job.name, result)
    return result
