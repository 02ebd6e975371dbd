"""Flask commands: migrate, worker, run-due, rebuild-rollups, demo."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import ext
from .timeutil import as_utc, utcnow

log = logging.getLogger("tsunagu.cli")


def register_cli(app: Flask) -> None:
    app.cli.add_command(migrate)
    app.cli.add_command(worker)
    app.cli.add_command(run_due)
    app.cli.add_command(rebuild_rollups)
    app.cli.add_command(demo)
    app.cli.add_command(chat)
    app.cli.add_command(simulate)


@click.command("migrate")
@with_appcontext
@click.argument("revision", default="head")
def migrate(revision: str) -> None:
    """Apply Alembic migrations to DATABASE_URL (default: head)."""
    from .ext import settings
    from .schema import upgrade

    upgrade(settings().database_url, revision)
    click.echo(f"database at {revision}")


@click.command("worker")
@with_appcontext
def worker() -> None:
    """Run the scheduler (its own process; never inside web workers)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    from .jobs import JOBS, run_job

    app = current_app._get_current_object()
    scheduler = BlockingScheduler(timezone="UTC")
    for job in JOBS:
        scheduler.add_job(
            lambda job=job: run_job(app, job, utcnow()),
            IntervalTrigger(seconds=job.every_s),
            id=job.name,
            name=job.name,
            max_instances=1,
            coalesce=True,
            next_run_time=utcnow(),
        )
    click.echo("worker started: " + ", ".join(j.name for j in JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=True)


@click.command("run-due")
@with_appcontext
@click.option("--now", "now_text", default=None, help="ISO 8601 time to run as (default: now)")
def run_due(now_text: str | None) -> None:
    """Run every job once, as if it were NOW: tests and demos never sleep."""
    from .demo.outgoing import captured_since, last_capture
    from .jobs import JOBS, run_job

    now = _parse_now(now_text)
    app = current_app._get_current_object()
    mark = last_capture(app)
    results = {job.name: run_job(app, job, now) for job in JOBS}
    click.echo(json.dumps({"now": now.isoformat(), "jobs": results}, ensure_ascii=False))
    for line in captured_since(app, mark):  # dry run: what LINE would have received
        click.echo(line)


def _parse_now(text: str | None) -> datetime:
    if not text:
        return utcnow()
    try:
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 time: {text!r}", param_hint="--now") from None


@click.command("rebuild-rollups")
@click.option("--shop", "domain", default=None, help="One shop's *.myshopify.com domain (default: every shop).")
@with_appcontext
def rebuild_rollups(domain: str | None) -> None:
    """Recount the dashboard's daily rollups from the raw rows, a shop per transaction."""
    from sqlmodel import select

    from .db import session_scope
    from .models import Shop
    from .tracking.rollup_rebuild import rebuild

    engine = ext.engine()
    with session_scope(engine) as s:
        query = select(Shop.id, Shop.domain).order_by(Shop.id)
        shops = s.exec(query.where(Shop.domain == domain) if domain else query).all()
    if domain and not shops:
        raise click.ClickException(f"no shop {domain!r}")
    for shop_id, name in shops:
        with session_scope(engine) as s:
            written = rebuild(session=s, shop_ids=[shop_id])
        click.echo(f"{name}: {written} rollup rows")


@click.command("demo")
@with_appcontext
@click.option("--reset", is_flag=True, help="Delete the demo store first and seed it again.")
def demo(reset: bool) -> None:
    """Create (or refresh) the demo store with its Japanese catalog and customers."""
    from .demo.seed import seed_demo

    _demo_mode_only()
    summary = seed_demo(current_app._get_current_object(), reset=reset)
    click.echo(json.dumps(summary, ensure_ascii=False))


@click.command("chat")
@click.argument("text")
@click.option("--as", "who", default=None, help="A demo friend's display name or LINE user id.")
@with_appcontext
def chat(text: str, who: str | None) -> None:
    """Send TEXT to the demo bot through the real webhook and print its reply."""
    from .demo.chat import ChatError, send_chat

    _demo_mode_only()
    try:
        click.echo(send_chat(current_app._get_current_object(), text, who))
    except ChatError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("simulate")
@click.argument("event", type=click.Choice(["abandon-checkout", "order", "ship", "deliver"]))
@click.option("--customer", "who", default=None, help="A linked demo customer: email, name or Shopify id.")
@with_appcontext
def simulate(event: str, who: str | None) -> None:
    """Fire a signed sample webhook for a demo customer through the real route."""
    from .demo.simulate import SimulateError
    from .demo.simulate import simulate as fire

    _demo_mode_only()
    try:
        click.echo(json.dumps(fire(current_app._get_current_object(), event, who), ensure_ascii=False, indent=1))
    except SimulateError as exc:
        raise click.ClickException(str(exc)) from None


def _demo_mode_only() -> None:
    """The demo store lives in demo mode only: there its Shopify is a fake and LINE runs dry.
    With Shopify credentials its token would go to a real Shopify and its pushes to LINE."""
    if not ext.settings().demo_mode:
        raise click.ClickException(
            "the demo store runs only in demo mode: without SHOPIFY_API_KEY, outside APP_ENV=production"
        )
