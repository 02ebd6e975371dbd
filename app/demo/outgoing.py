"""What a dry run sent: the pushes recorded in line_dry_runs, as text for the terminal."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func
from sqlmodel import Session, select

from .. import ext
from ..line.preview import describe
from ..models import LineDryRun, LineFriend


def last_capture(app: Flask) -> int:
    with Session(ext.engine(app)) as s:
        return s.exec(select(func.max(LineDryRun.id))).one() or 0


def captured_since(app: Flask, mark: int) -> list[str]:
    with Session(ext.engine(app)) as s:
        pushes = s.exec(
            select(LineDryRun).where(LineDryRun.id > mark, LineDryRun.kind == "push").order_by(LineDryRun.id)
        ).all()
        names = (
            {
                f.line_user_id: f.display_name
                for f in s.exec(
                    select(LineFriend).where(LineFriend.line_user_id.in_({p.body.get("to") for p in pushes}))
                )
            }
            if pushes
            else {}
        )
    lines = []
    for push in pushes:
        to = push.body.get("to", "")
        lines.append(f"--- push to {names.get(to) or to} (retry key {push.retry_key})")
        lines += [describe(m) for m in push.body.get("messages", [])]
    return lines
