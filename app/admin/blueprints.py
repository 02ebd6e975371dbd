"""The admin as one blueprint for create_app: every area's pages and JSON API nested under
`admin` (endpoints read admin.<area>.<view>), plus what they all share: the cross-site
check and JSON errors under /api/, and the `localtime` template filter."""

from __future__ import annotations

from flask import Blueprint
from werkzeug.exceptions import HTTPException

from . import http, openapi, pages
from .audiences import api as audiences_api
from .audiences import views as audiences_views
from .campaigns import api as campaigns_api
from .campaigns import composer as campaigns_composer
from .campaigns import views as campaigns_views
from .campaigns.results import api as campaign_results_api
from .campaigns.results import views as campaign_results_views
from .flows import api as flows_api
from .flows import views as flows_views
from .home import api as home_api
from .home import views as home_views
from .people import api as people_api
from .people import views as people_views
from .privacy import views as privacy_views
from .richmenus import api as richmenus_api
from .richmenus import views as richmenus_views
from .search import api as search_api
from .search import views as search_views
from .sequences import api as sequences_api
from .sequences import views as sequences_views
from .settings import api as settings_api
from .settings import audience_sources as settings_sources_api
from .settings import views as settings_views
from .shopify_flow import views as shopify_flow_views
from .sources import api as sources_api
from .sources import views as sources_views

admin = Blueprint("admin", __name__)
for area in (
    home_views,
    home_api,
    flows_views,
    flows_api,
    people_views,
    people_api,
    search_views,
    search_api,
    audiences_views,
    audiences_api,
    settings_views,
    settings_api,
    settings_sources_api,
    privacy_views,
    shopify_flow_views,
    campaigns_views,
    campaigns_api,
    campaigns_composer,
    richmenus_views,
    richmenus_api,
    sequences_views,
    sequences_api,
    campaign_results_views,
    campaign_results_api,
    sources_views,
    sources_api,
    openapi,
):
    admin.register_blueprint(area.bp)
admin.before_app_request(http.refuse_cross_site)
admin.app_errorhandler(HTTPException)(http.api_error)
admin.app_template_filter("localtime")(pages.localtime)
