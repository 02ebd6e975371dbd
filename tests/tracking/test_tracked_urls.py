"""Links rewritten at send time: every web URI action goes through /r/<token>, one tracked
link per distinct URI per notification, the same tokens on every retry."""

from __future__ import annotations

from app import ext
from app.models import Notification, TrackedLink
from app.models import NotificationStatus as St
from app.tracking import tracked_urls
from tests.helpers import count, rows
from tests.plugins.tracking import APP_URL, card, resolve, token_of

AT = "2026-11-25T03:00:00+00:00"
CART = "https://test-shop.myshopify.com/cart/1:2?utm_source=line&utm_campaign=abandoned_cart"
PRODUCT = "https://test-shop.myshopify.com/products/tea?utm_source=line"
IMAGE = "https://test-shop.myshopify.com/cdn/tea.jpg"
PUSH = "/v2/bot/message/push"


def everything() -> list[dict]:
    """Every place a URI action can sit, the same URI twice, and things that stay."""
    messages = card(CART, CART, text=f"こちらから {CART}")
    bubble = messages[1]["contents"]
    bubble["hero"] = {"type": "image", "url": IMAGE, "action": {"type": "uri", "uri": PRODUCT}}
    bubble["body"]["action"] = {"type": "uri", "uri": PRODUCT, "altUri": {"desktop": PRODUCT + "&d=1"}}
    bubble["footer"]["contents"].append(
        {"type": "button", "action": {"type": "postback", "label": "停止", "data": "action=stop"}}
    )
    bubble["footer"]["contents"].append(
        {"type": "button", "action": {"type": "uri", "label": "LINE", "uri": "line://ti/p/@tsunagu"}}
    )
    template = {
        "type": "template",
        "altText": "注文",
        "template": {
            "type": "buttons",
            "text": "注文",
            "defaultAction": {"type": "uri", "label": "開く", "uri": PRODUCT},
            "actions": [{"type": "uri", "label": "注文を見る", "uri": "https://test-shop.myshopify.com/account"}],
        },
        "quickReply": {
            "items": [
                {
                    "type": "action",
                    "action": {"type": "uri", "label": "ストア", "uri": "http://test-shop.myshopify.com/"},
                }
            ]
        },
    }
    return [*messages, template]


def _uris(node) -> list[str]:
    if isinstance(node, list):
        return [u for item in node for u in _uris(item)]
    if isinstance(node, dict):
        own = [node[k] for k in ("uri", "desktop") if isinstance(node.get(k), str)]
        return own + [u for v in node.values() if isinstance(v, (dict, list)) for u in _uris(v)]
    return []


def test_every_web_uri_action_goes_through_a_tracked_link(db, linked_friends, pushed, fake_line):
    friend = linked_friends(1)[0]
    note = pushed(friend, everything(), AT)
    assert note.status == St.SENT
    sent = fake_line.pushes()[0].messages
    assert sent[0]["text"] == f"こちらから {CART}"  # text URLs stay as they are
    uris = _uris(sent)
    web = [u for u in uris if not u.startswith("line://")]
    assert "line://ti/p/@tsunagu" in uris
    assert all(u.startswith(APP_URL + "/r/") for u in web), web
    assert sent[1]["contents"]["hero"]["url"] == IMAGE  # images are not links
    targets = {u: resolve(db, u) for u in web}
    assert set(targets.values()) == {
        CART,
        PRODUCT,
        PRODUCT + "&d=1",
        "https://test-shop.myshopify.com/account",
        "http://test-shop.myshopify.com/",
    }
    stored = rows(db, TrackedLink, TrackedLink.notification_id == note.id)
    assert len(stored) == 5  # one per distinct URI: the cart twice is one link
    assert len({token_of(u) for u in web}) == 5
    assert all(
        len(r.token) >= 16
        and r.flow == "order_confirmation"
        and r.customer_id == friend.customer_id
        and r.shop_id == note.shop_id
        for r in stored
    )
    assert db.get(Notification, note.id).messages == everything()  # the outbox keeps the store URLs


def test_a_message_without_links_records_nothing(db, linked_friends, pushed, fake_line):
    note = pushed(linked_friends(1)[0], [{"type": "text", "text": "ご注文ありがとうございます"}], AT)
    assert note.status == St.SENT and count(db, TrackedLink) == 0


def test_a_retry_pushes_the_same_tokens(db, linked_friends, pushed, fake_line, dispatch, monkeypatch):
    monkeypatch.setattr("app.line.client.MAX_ATTEMPTS", 1)  # the dispatcher retries, not the client
    fake_line.fail_next(1, 500, path=PUSH)  # LINE fails; the row is retried a minute later
    note = pushed(linked_friends(1)[0], card(CART, PRODUCT), AT)
    assert note.status == St.SCHEDULED and note.reason == "retrying"
    first = {r.target: r.token for r in rows(db, TrackedLink)}
    assert len(first) == 2
    dispatch("2026-11-25T03:02:00+00:00")
    sent = fake_line.pushes()
    assert len(sent) == 1
    assert {resolve(db, u): token_of(u) for u in _uris(sent[0].messages)} == first
    assert count(db, TrackedLink) == 2


def test_accepted_then_failed_push_is_retried_with_the_same_body(
    db, linked_friends, pushed, fake_line, dispatch, monkeypatch
):
    monkeypatch.setattr("app.line.client.MAX_ATTEMPTS", 1)
    fake_line.fail_after_accept_next(1, 500, path=PUSH)  # LINE delivered; we saw an error
    note = pushed(linked_friends(1)[0], card(CART), AT)
    assert note.reason == "retrying" and count(db, TrackedLink) == 1
    dispatch("2026-11-25T03:02:00+00:00")
    assert rows(db, Notification, Notification.id == note.id)[0].status == St.SENT
    assert len(fake_line.pushes()) == 1 and count(db, TrackedLink) == 1
    assert resolve(db, _uris(fake_line.pushes()[0].messages)[0]) == CART


def test_rewrite_is_stable_and_concurrent_safe(app, db, linked_friends, put):
    note = put(linked_friends(1)[0], "order_confirmation", AT)
    engine = ext.engine(app)
    with app.app_context():
        once = tracked_urls.rewrite(engine, note, card(CART, PRODUCT))
        twice = tracked_urls.rewrite(engine, note, card(PRODUCT, CART))  # any order: same token per URI
        again = tracked_urls.record(engine, note, [CART])  # as a second worker would, after the lookup
    assert _uris(once) == list(reversed(_uris(twice)))
    assert again == {CART: token_of(_uris(once)[0])}
    assert count(db, TrackedLink) == 2
