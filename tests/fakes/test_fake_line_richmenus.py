"""The fake LINE's rich menu endpoints refuse what LINE refuses (so the app's checks and
error paths are tested against LINE's rules, not against a fake that accepts anything)."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.fakes.line import FakeLine
from tests.fakes.line_richmenus import DATA_PREFIX
from tests.fakes.server import LiveServer

TOKEN = "fake-token"
MENU = {
    "size": {"width": 2500, "height": 843},
    "selected": False,
    "name": "m",
    "chatBarText": "メニュー",
    "areas": [{"bounds": {"x": 0, "y": 0, "width": 2500, "height": 843}, "action": {"type": "message", "text": "a"}}],
}


@pytest.fixture
def line():
    fake = FakeLine(access_token=TOKEN)
    with LiveServer(fake) as server:
        fake.url = server.url
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            yield fake, client


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height)).save(out, "PNG")
    return out.getvalue()


def made(client, body=None) -> str:
    answer = client.post("/v2/bot/richmenu", json=body or MENU)
    assert answer.status_code == 200, answer.text
    return answer.json()["richMenuId"]


@pytest.mark.parametrize(
    "change",
    [
        {"size": {"width": 2500, "height": 2000}},  # aspect ratio under 1.45
        {"chatBarText": "123456789012345"},
        {"areas": []},
        {"areas": MENU["areas"] * 21},
        {
            "areas": [
                {"bounds": {"x": 1, "y": 0, "width": 2500, "height": 843}, "action": {"type": "message", "text": "a"}}
            ]
        },
        {
            "areas": [
                {
                    "bounds": {"x": 0, "y": 0, "width": 10, "height": 10},
                    "action": {"type": "postback", "data": "x" * 301},
                }
            ]
        },
    ],
)
def test_a_menu_line_would_refuse_is_refused(line, change):
    _fake, client = line
    assert client.post("/v2/bot/richmenu", json=MENU | change).status_code == 400


def test_images_go_to_the_data_host_once_and_must_match_the_menu(line):
    fake, client = line
    menu = made(client)
    headers = {"Content-Type": "image/png"}
    assert client.post(f"/v2/bot/richmenu/{menu}/content", content=png(2500, 843), headers=headers).status_code == 404
    assert (
        client.post(
            f"{DATA_PREFIX}/v2/bot/richmenu/{menu}/content", content=png(2500, 1686), headers=headers
        ).status_code
        == 400
    )
    jpeg_header = {"Content-Type": "image/jpeg"}
    assert (
        client.post(
            f"{DATA_PREFIX}/v2/bot/richmenu/{menu}/content", content=png(2500, 843), headers=jpeg_header
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"{DATA_PREFIX}/v2/bot/richmenu/{menu}/content", content=png(2500, 843), headers=headers
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"{DATA_PREFIX}/v2/bot/richmenu/{menu}/content", content=png(2500, 843), headers=headers
        ).status_code
        == 400
    )
    assert fake.rich_menus[menu]["image"] == png(2500, 843)


def test_a_menu_without_its_image_cannot_be_used(line):
    _fake, client = line
    menu = made(client)
    assert client.post(f"/v2/bot/user/all/richmenu/{menu}").status_code == 400
    assert client.post("/v2/bot/richmenu/alias", json={"richMenuAliasId": "a", "richMenuId": menu}).status_code == 400
    users = ["U" + "0" * 32]
    assert client.post("/v2/bot/richmenu/bulk/link", json={"richMenuId": menu, "userIds": users}).status_code == 400


def test_bulk_link_takes_1_to_500_users_and_aliases_follow_lines_rules(line):
    fake, client = line
    menu = made(client)
    client.post(
        f"{DATA_PREFIX}/v2/bot/richmenu/{menu}/content", content=png(2500, 843), headers={"Content-Type": "image/png"}
    )
    users = [f"U{i:032x}" for i in range(501)]
    assert client.post("/v2/bot/richmenu/bulk/link", json={"richMenuId": menu, "userIds": users}).status_code == 400
    assert (
        client.post("/v2/bot/richmenu/bulk/link", json={"richMenuId": menu, "userIds": users[:500]}).status_code == 202
    )
    assert fake.menu_seen_by(users[0]) == menu and fake.menu_seen_by(users[500]) is None
    assert (
        client.post("/v2/bot/richmenu/alias", json={"richMenuAliasId": "タブ", "richMenuId": menu}).status_code == 400
    )
    assert (
        client.post("/v2/bot/richmenu/alias", json={"richMenuAliasId": "tab-1", "richMenuId": menu}).status_code == 200
    )
    assert (
        client.post("/v2/bot/richmenu/alias", json={"richMenuAliasId": "tab-1", "richMenuId": menu}).status_code == 400
    )
    assert client.post("/v2/bot/richmenu/alias/tab-2", json={"richMenuId": menu}).status_code == 400


def test_creating_menus_is_limited_to_100_an_hour(line):
    fake, client = line
    fake.enforce_rate_limits = True
    for _ in range(100):
        made(client)
    assert client.post("/v2/bot/richmenu", json=MENU).status_code == 429
