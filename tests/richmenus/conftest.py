"""Rich menu fixtures: saving a drawn menu or tab set through the service, publishing it
through the real client against the fake LINE, and the keep-in-step run at a chosen time."""

from __future__ import annotations

import pytest

from app import ext
from app.richmenus.assign import keep_in_step
from app.richmenus.layouts import layout
from app.richmenus.publish import publish
from app.richmenus.service import save_menus, save_rule


def drawn_spec(name: str = "基本メニュー", *, buttons: int = 3, size: str = "large", **changes) -> dict:
    areas = [
        {"bounds": b, "action": {"type": "message", "text": f"ボタン{i + 1}"}}
        for i, b in enumerate(layout(size, buttons))
    ]
    styles = [{"label": f"ボタン{i + 1}", "icon": "star"} for i in range(buttons)]
    spec = {"name": name, "size": size, "chat_bar_text": "メニュー", "areas": areas, "drawing": {"areas": styles}}
    return spec | changes


def tab_specs(labels=("ホーム", "セール")) -> list[dict]:
    """A tab set: each tab's first cells switch to the other tabs' aliases."""
    aliases = [f"tab-{i}" for i in range(len(labels))]
    specs = []
    for index in range(len(labels)):
        bounds = layout("large", 2, tabs=len(labels))
        tab_cells = [
            {
                "bounds": bounds[i],
                "action": {"type": "richmenuswitch", "richMenuAliasId": aliases[i], "data": f"tab={i}"},
            }
            for i in range(len(labels))
        ]
        buttons = [{"bounds": b, "action": {"type": "message", "text": "注文"}} for b in bounds[len(labels) :]]
        drawing = {"tabs": {"labels": list(labels), "active": index}, "areas": [{"label": "注文"}, {"label": "検索"}]}
        specs.append(
            {
                "name": f"タブ{index + 1}",
                "size": "large",
                "chat_bar_text": "メニュー",
                "areas": tab_cells + buttons,
                "drawing": drawing,
                "alias_id": aliases[index],
                "is_default": index == 0,
            }
        )
    return specs


@pytest.fixture
def make_menu(db, shop):
    def make(spec: dict | None = None, **changes):
        menus, problems = save_menus(session=db, shop=shop, specs=[(spec or drawn_spec()) | changes])
        assert problems == []
        db.commit()
        return menus[0]

    return make


@pytest.fixture
def make_rule(db, shop):
    def make(menu, kind: str, **spec):
        rule, problems = save_rule(session=db, shop=shop, spec={"menu_id": menu.id, "kind": kind, **spec})
        assert problems == []
        db.commit()
        return rule

    return make


@pytest.fixture
def publish_menu(app, shop, channel):
    def run(menu):
        with app.app_context():
            return publish(engine=ext.engine(app), shop_id=shop.id, menu_id=menu.id)

    return run


@pytest.fixture
def keep_menus(app, shop):
    def run(now=None) -> dict:
        with app.app_context():
            return keep_in_step(engine=ext.engine(app), shop_id=shop.id, now=now)

    return run
