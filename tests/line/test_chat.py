"""Follow, unfollow, refollow and every chat command, answered through the fake LINE."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app.line.preview import describe
from app.models import Customer, Fulfillment, LineEvent, LinkAudit, Order, OrderLineItem
from app.timeutil import utcnow
from tests.fakes import line_events
from tests.helpers import rows
from tests.plugins.line import friend_of


def last_reply(fake_line) -> str:
    return "\n".join(describe(m) for m in fake_line.replies()[-1].messages)


@pytest.fixture
def linked(db, shop, chat, fake_line, user):
    """A friend linked to a customer with one shipped order."""
    chat(fake_line.follow_event(user))
    customer = Customer(shop_id=shop.id, shopify_id=706405506930370084, first_name="花子", last_name="山田")
    db.add(customer)
    db.flush()
    friend = friend_of(db, user)
    friend.customer_id, friend.linked_at = customer.id, utcnow()
    order = Order(
        shop_id=shop.id,
        shopify_id=820982911946154508,
        customer_shopify_id=customer.shopify_id,
        name="#1001",
        total_price=Decimal("4158"),
        financial_status="paid",
        processed_at=utcnow(),
        order_status_url="https://test-shop.myshopify.com/orders/abc",
    )
    db.add_all([friend, order])
    db.flush()
    db.add_all(
        [
            OrderLineItem(
                shop_id=shop.id,
                order_id=order.id,
                shopify_id=1,
                title="静岡 深蒸し煎茶",
                variant_title="100g",
                quantity=2,
                price=Decimal("1290"),
            ),
            Fulfillment(
                shop_id=shop.id,
                shopify_id=5,
                order_shopify_id=order.shopify_id,
                shipment_status="in_transit",
                tracking_company="ヤマト運輸",
                tracking_urls=["https://toi.kuronekoyamato.co.jp/t?number=1"],
            ),
        ]
    )
    db.commit()
    return customer


def test_follow_creates_the_friend_with_profile_and_greets(chat, fake_line, user, db):
    chat(fake_line.follow_event(user))

    friend = friend_of(db, user)
    assert friend.display_name == "はなこ" and friend.language == "ja" and not friend.is_blocked
    text = last_reply(fake_line)
    assert "友だち追加ありがとうございます" in text and "テストショップ" in text
    assert "[アカウントを連携 → action=link]" in text


def test_greeting_is_the_merchants_template_with_coupon(chat, fake_line, user, db, shop):
    shop.settings = {"line_texts": {"greeting": {"ja": "{shop_name}へようこそ！"}}, "line_coupon_code": "LINE10"}
    db.add(shop)
    db.commit()
    chat(fake_line.follow_event(user))

    text = last_reply(fake_line)
    assert text.startswith("テストショップへようこそ！") and "LINE10" in text


def test_unfollow_blocks_and_refollow_welcomes_back(chat, fake_line, user, db):
    chat(fake_line.follow_event(user))
    chat(fake_line.unfollow_event(user))
    blocked = friend_of(db, user)
    assert blocked.is_blocked and blocked.blocked_at is not None

    chat(fake_line.follow_event(user, unblocked=True))

    friend = friend_of(db, user)
    assert not friend.is_blocked and friend.blocked_at is None
    assert last_reply(fake_line).startswith("おかえりなさい")


def test_link_command_replies_with_a_button_to_the_app_proxy(chat, fake_line, user, db):
    chat(fake_line.text_event(user, "連携"))

    [token] = fake_line.link_tokens
    assert fake_line.link_tokens[token] == user
    assert f"https://test-shop.myshopify.com/apps/tsunagu/link?linkToken={token}" in last_reply(fake_line)


@pytest.mark.parametrize("typed", ["注文", "ORDER", "ｏｒｄｅｒ", " 注 文 "])
def test_order_command_shows_the_latest_order(linked, chat, fake_line, user, typed):
    chat(fake_line.text_event(user, typed))

    text = last_reply(fake_line)
    assert "ご注文 #1001" in text and "配送中" in text
    assert "静岡 深蒸し煎茶 (100g)" in text and "×2" in text and "¥4,158" in text
    assert "[配送状況を見る → https://toi.kuronekoyamato.co.jp/t?number=1]" in text


def test_order_command_for_an_unlinked_shopper_prompts_to_link(chat, fake_line, user):
    chat(fake_line.text_event(user, "注文"))

    text = last_reply(fake_line)
    assert "まだストアのアカウントと連携されていません" in text and "/apps/tsunagu/link?linkToken=" in text


def test_unlink_asks_first_then_unlinks_on_confirmation(linked, chat, fake_line, user, db):
    chat(fake_line.text_event(user, "解除"))
    assert "連携を解除しますか" in last_reply(fake_line)
    assert friend_of(db, user).customer_id is not None

    chat(fake_line.postback_event(user, "action=unlink_yes"))

    assert friend_of(db, user).customer_id is None
    assert "連携を解除しました" in last_reply(fake_line)
    [audit] = rows(db, LinkAudit)
    assert (audit.action, audit.method) == ("unlink", "shopper")
    assert rows(db, Customer)[0].line_tag_due_at is not None


def test_unlink_cancelled_keeps_the_link(linked, chat, fake_line, user, db):
    chat(fake_line.postback_event(user, "action=unlink_no"))

    assert friend_of(db, user).customer_id is not None
    assert "連携はそのまま" in last_reply(fake_line)


def test_stop_and_resume_marketing(chat, fake_line, user, db):
    chat(fake_line.text_event(user, "配信停止"))
    assert friend_of(db, user).marketing_opt_out_at is not None
    assert "配信を停止しました" in last_reply(fake_line)
    chat(fake_line.text_event(user, "STOP"))
    assert "すでに停止" in last_reply(fake_line)

    chat(fake_line.postback_event(user, "action=resume"))
    assert friend_of(db, user).marketing_opt_out_at is None
    assert "再開しました" in last_reply(fake_line)


@pytest.mark.parametrize("typed", ["メニュー", "help", "ﾍﾙﾌﾟ"])
def test_menu_command_offers_quick_replies(chat, fake_line, user, typed):
    chat(fake_line.text_event(user, typed))

    [message] = fake_line.replies()[-1].messages
    labels = [item["action"]["label"] for item in message["quickReply"]["items"]]
    assert labels == ["注文状況", "連携", "配信停止"]


def test_other_text_goes_to_product_search(chat, fake_line, user):
    chat(fake_line.text_event(user, "Tシャツありますか"))

    assert "合う商品が見つかりませんでした" in last_reply(fake_line)


def test_english_speaking_friend_gets_english(chat, fake_line, db):
    user = line_events.new_user_id()
    fake_line.add_user(user, "Emma", language="en")
    chat(fake_line.follow_event(user))
    chat(fake_line.text_event(user, "order"))

    assert "isn't linked yet" in last_reply(fake_line)


def test_unsend_forgets_the_message_text(chat, fake_line, user, db):
    event = fake_line.text_event(user, "住所は東京都渋谷区…")
    chat(event)
    chat(fake_line.unsend_event(user, event["message"]["id"]))

    message_row = next(e for e in rows(db, LineEvent) if e.type == "message")
    assert "渋谷" not in str(message_row.body) and message_row.body["message"]["unsent"] is True


def test_an_english_speaking_friend_reads_english_everywhere(linked, chat, fake_line, user, db):
    """Replies, menus, the link prompt and the order card: English around the store's data."""
    fake_line.add_user(user, "はなこ", language="en")  # the follow reads the language from the profile

    chat(fake_line.follow_event(user, unblocked=True))
    assert last_reply(fake_line).startswith("Welcome back! This is テストショップ.")
    chat(fake_line.text_event(user, "help"))
    [menu] = fake_line.replies()[-1].messages
    assert [item["action"]["label"] for item in menu["quickReply"]["items"]] == ["My order", "Unlink", "Stop"]
    chat(fake_line.text_event(user, "order"))
    card = last_reply(fake_line)
    assert "Order #1001" in card and "In transit" in card and "Total" in card
    assert "[Track package → https://toi.kuronekoyamato.co.jp/t?number=1]" in card
    chat(fake_line.text_event(user, "unlink"))
    assert "Unlink your store account?" in last_reply(fake_line)

    shown = [describe(m) for reply in fake_line.replies()[-4:] for m in reply.messages]
    for data in ("テストショップ", "静岡 深蒸し煎茶"):
        shown = [text.replace(data, "") for text in shown]
    assert not any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text) for text in shown), shown


def test_a_shop_that_keeps_to_japanese_answers_english_speakers_in_japanese(chat, fake_line, db, shop):
    shop.settings = {"line_english": False}
    db.add(shop)
    db.commit()
    user = line_events.new_user_id()
    fake_line.add_user(user, "Emma", language="en")
    chat(fake_line.follow_event(user))

    assert last_reply(fake_line).startswith("友だち追加ありがとうございます！")
