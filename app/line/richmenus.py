"""The rich menu endpoints of the Messaging API, through the channel's LineClient (its retry
rules, pacing, dry run and the no-call-inside-a-write-transaction guard).

LINE's limits (Messaging API reference): creating and deleting a rich menu, and deleting an
alias, 100 requests an hour per channel (not paced here: a publish makes a handful, and a
429 is reported, not waited out); bulk link and unlink ≤ 500 user ids a call, 2,000
requests a second like any other endpoint; the image goes to the data host
(api-data.line.me). In dry run LINE is not called: each request is captured and create
answers a made-up id, so a dry-run shop can still be walked through publishing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from linebot.v3.messaging import (
    CreateRichMenuAliasRequest,
    RichMenuBulkLinkRequest,
    RichMenuBulkUnlinkRequest,
    RichMenuRequest,
    UpdateRichMenuAliasRequest,
)

from .client import LineClient, LineError

BULK_MAX = 500  # user ids per bulk link / unlink call
BULK_PER_S = 2000  # "other API endpoints": 2,000 requests a second, per endpoint
LIST_PER_S = 10  # get rich menu list: 10 requests a second


def create(client: LineClient, body: dict) -> str:
    """Create a rich menu from LINE's rich menu object; its richMenuId."""
    request = RichMenuRequest.from_dict(body)
    if client.dry_run:
        client.capture("richmenu_create", "/v2/bot/richmenu", request.to_dict())
        return f"richmenu-dryrun-{uuid.uuid4().hex}"
    answer = client.call(
        lambda: client.api.create_rich_menu(request, _request_timeout=client.timeout),
        bucket="rm_create",
        per_second=None,
    )
    return answer.rich_menu_id


def upload_image(client: LineClient, rich_menu_id: str, data: bytes, content_type: str) -> None:
    """The menu's image (JPEG or PNG, ≤ 1 MB, the menu's size) to the data host. LINE
    accepts one image per menu, ever: a changed image means a new menu. (The SDK sets no
    Content-Type of its own here and would send the bytes as JSON: the header is given.)"""
    if client.dry_run:
        path = f"/v2/bot/richmenu/{rich_menu_id}/content"
        client.capture("richmenu_image", path, {"contentType": content_type, "bytes": len(data)})
        return
    client.call(
        lambda: client.blob_api.set_rich_menu_image(
            rich_menu_id, data, _headers={"Content-Type": content_type}, _request_timeout=client.timeout
        ),
        bucket="rm_image",
        per_second=BULK_PER_S,
    )


def set_default(client: LineClient, rich_menu_id: str) -> None:
    """The menu every friend without a menu of their own sees."""
    if client.dry_run:
        client.capture("richmenu_default", f"/v2/bot/user/all/richmenu/{rich_menu_id}", {})
        return
    client.call(
        lambda: client.api.set_default_rich_menu(rich_menu_id, _request_timeout=client.timeout),
        bucket="rm_default",
        per_second=BULK_PER_S,
    )


def cancel_default(client: LineClient) -> None:
    if client.dry_run:
        client.capture("richmenu_default_cancel", "/v2/bot/user/all/richmenu", {})
        return
    client.call(
        lambda: client.api.cancel_default_rich_menu(_request_timeout=client.timeout),
        bucket="rm_default_cancel",
        per_second=BULK_PER_S,
    )


def point_alias(client: LineClient, alias_id: str, rich_menu_id: str, *, exists: bool) -> None:
    """Make `alias_id` name `rich_menu_id`: update it when LINE has it, else create it."""
    if client.dry_run:
        client.capture("richmenu_alias", f"/v2/bot/richmenu/alias/{alias_id}", {"richMenuId": rich_menu_id})
        return
    if exists:
        request = UpdateRichMenuAliasRequest(richMenuId=rich_menu_id)
        client.call(
            lambda: client.api.update_rich_menu_alias(alias_id, request, _request_timeout=client.timeout),
            bucket="rm_alias_update",
            per_second=BULK_PER_S,
        )
        return
    created = CreateRichMenuAliasRequest(richMenuAliasId=alias_id, richMenuId=rich_menu_id)
    client.call(
        lambda: client.api.create_rich_menu_alias(created, _request_timeout=client.timeout),
        bucket="rm_alias_create",
        per_second=BULK_PER_S,
    )


def delete_alias(client: LineClient, alias_id: str) -> None:
    if client.dry_run:
        client.capture("richmenu_alias_delete", f"/v2/bot/richmenu/alias/{alias_id}", {})
        return
    _ignore_missing(
        lambda: client.call(
            lambda: client.api.delete_rich_menu_alias(alias_id, _request_timeout=client.timeout),
            bucket="rm_alias_delete",
            per_second=None,
        )
    )


def delete(client: LineClient, rich_menu_id: str) -> None:
    """Delete a menu (a menu LINE no longer has counts as deleted)."""
    if client.dry_run:
        client.capture("richmenu_delete", f"/v2/bot/richmenu/{rich_menu_id}", {})
        return
    _ignore_missing(
        lambda: client.call(
            lambda: client.api.delete_rich_menu(rich_menu_id, _request_timeout=client.timeout),
            bucket="rm_delete",
            per_second=None,
        )
    )


def count(client: LineClient) -> int:
    """How many rich menus the channel has on LINE (LINE holds at most 1,000)."""
    if client.dry_run:
        return 0
    answer = client.call(
        lambda: client.api.get_rich_menu_list(_request_timeout=client.timeout), bucket="rm_list", per_second=LIST_PER_S
    )
    return len(answer.richmenus)


def link(client: LineClient, rich_menu_id: str, user_ids: Iterable[str]) -> int:
    """Link the menu to these friends, ≤ 500 a call; the number of calls made."""
    calls = 0
    for chunk in _chunks(user_ids):
        request = RichMenuBulkLinkRequest(richMenuId=rich_menu_id, userIds=chunk)
        calls += 1
        if client.dry_run:
            client.capture("richmenu_link", "/v2/bot/richmenu/bulk/link", request.to_dict())
            continue
        client.call(
            lambda request=request: client.api.link_rich_menu_id_to_users(request, _request_timeout=client.timeout),
            bucket="rm_link",
            per_second=BULK_PER_S,
        )
    return calls


def unlink(client: LineClient, user_ids: Iterable[str]) -> int:
    """Unlink these friends' own menus (they see the default again), ≤ 500 a call."""
    calls = 0
    for chunk in _chunks(user_ids):
        request = RichMenuBulkUnlinkRequest(userIds=chunk)
        calls += 1
        if client.dry_run:
            client.capture("richmenu_unlink", "/v2/bot/richmenu/bulk/unlink", request.to_dict())
            continue
        client.call(
            lambda request=request: client.api.unlink_rich_menu_id_from_users(request, _request_timeout=client.timeout),
            bucket="rm_unlink",
            per_second=BULK_PER_S,
        )
    return calls


def _chunks(user_ids: Iterable[str]) -> Iterable[list[str]]:
    chunk: list[str] = []
    for user_id in user_ids:
        chunk.append(user_id)
        if len(chunk) == BULK_MAX:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _ignore_missing(fn) -> None:
    try:
        fn()
    except LineError as exc:
        if exc.status != 404:
            raise
