"""Rendering an admin page: the shop's language, the navigation, the demo-mode banner, and the
texts the page's scripts read. Scripts carry no language of their own: every string they
show comes from the page (`#texts`: the shared admin.js.* texts, the area's admin.<area>.js.*,
and, under "<name>.", the texts of each shared component the page uses: admin.<name>.js.*)."""

from __future__ import annotations

from flask import render_template

from ..ext import settings
from ..formatting import local_time
from ..i18n import language, t, texts
from ..models import Shop

# (endpoint, text key) in the order the navigation shows them.
NAV = (
    ("admin.home.page", "admin.nav.home"),
    ("admin.flows.page", "admin.nav.flows"),
    ("admin.people.customers", "admin.nav.customers"),
    ("admin.people.messages", "admin.nav.messages"),
    ("admin.audiences.page", "admin.nav.audiences"),
    ("admin.campaigns.page", "admin.nav.campaigns"),
    ("admin.sequences.page", "admin.nav.sequences"),
    ("admin.richmenus.page", "admin.nav.richmenus"),
    ("admin.sources.page", "admin.nav.sources"),
    ("admin.search.keywords", "admin.nav.keywords"),
    ("admin.search.simulator", "admin.nav.simulator"),
    ("admin.settings.page", "admin.nav.settings"),
    ("admin.privacy.page", "admin.nav.privacy"),
)


def render(shop: Shop, template: str, *, area: str, active: str, components: tuple[str, ...] = (), **context) -> str:
    """`area` names the page's texts for its scripts; `active` its navigation entry;
    `components` the shared scripts it includes (static/<name>.js), whose texts it carries."""
    lang = language(shop=shop)
    shared = {f"{name}.{key}": value for name in components for key, value in texts(f"admin.{name}.js.", lang).items()}
    return render_template(
        template,
        shop=shop,
        lang=lang,
        t=lambda key, **values: t(key, lang, **values),
        nav=NAV,
        active=active,
        api_key=settings().shopify_api_key,
        demo=settings().demo_mode,
        dry_run=settings().dry_run,
        script_texts={**texts("admin.js.", lang), **texts(f"admin.{area}.js.", lang), **shared},
        **context,
    )


def localtime(value, shop: Shop) -> str:
    """The `localtime` template filter: a timestamp in the shop's time zone."""
    return local_time(value, shop.timezone)
