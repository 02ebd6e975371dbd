"""LINE's rich-menu limits are checked before LINE is called, each refusal named by field."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.richmenus.layouts import layout
from app.richmenus.validate import check_image, check_menu, explain


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#06c755").save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#06c755").save(buffer, "JPEG")
    return buffer.getvalue()


def spec(**changes) -> dict:
    areas = [{"bounds": b, "action": {"type": "message", "text": "注文"}} for b in layout("large", 2)]
    return {"name": "基本メニュー", "size": "large", "chat_bar_text": "メニュー", "areas": areas} | changes


def fields(problems) -> dict[str, str]:
    return {p.field: p.key for p in problems}


def test_a_png_or_jpeg_of_the_exact_size_passes():
    assert check_image(png(2500, 1686), "large") == []
    assert check_image(jpeg(2500, 843), "compact") == []


def test_a_wrong_size_is_refused_with_both_sizes_in_the_reason():
    problems = check_image(png(2500, 1600), "large")
    assert fields(problems) == {"image": "image_size"}
    assert "2500×1686" in explain(problems, "ja")["image"] and "2500×1600" in explain(problems, "en")["image"]
    assert fields(check_image(png(2500, 1686), "compact")) == {"image": "image_size"}


def test_format_is_judged_by_magic_bytes_not_by_name():
    gif = io.BytesIO()
    Image.new("RGB", (2500, 1686)).save(gif, "GIF")
    assert fields(check_image(gif.getvalue(), "large")) == {"image": "image_format"}
    assert fields(check_image(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "large")) == {"image": "image_format"}
    assert fields(check_image(b"", "large")) == {"image": "image_missing"}


def test_an_image_over_one_megabyte_is_refused():
    buffer = io.BytesIO()
    Image.effect_noise((2500, 1686), 120).convert("RGB").save(buffer, "PNG")
    data = buffer.getvalue()
    assert len(data) > 1024 * 1024
    problems = check_image(data, "large")
    assert fields(problems) == {"image": "image_bytes"}
    assert "MB" in explain(problems, "en")["image"]


def test_a_good_menu_passes_and_a_long_chat_bar_text_does_not():
    assert check_menu(spec(), aliases=set()) == []
    assert check_menu(spec(chat_bar_text="12345678901234"), aliases=set()) == []
    assert fields(check_menu(spec(chat_bar_text="123456789012345"), aliases=set())) == {
        "chat_bar_text": "chat_bar_text"
    }
    assert fields(check_menu(spec(size="huge"), aliases=set())) == {"size": "size"}


def test_an_area_outside_the_image_is_refused():
    areas = spec()["areas"]
    areas[1]["bounds"] = {"x": 1250, "y": 0, "width": 1251, "height": 1686}
    assert fields(check_menu(spec(areas=areas), aliases=set())) == {"areas[1].bounds": "area_outside"}
    # the same rectangle fits a large menu's height but not a compact one's
    compact = spec(
        size="compact",
        areas=[{"bounds": {"x": 0, "y": 0, "width": 10, "height": 844}, "action": {"type": "message", "text": "a"}}],
    )
    assert fields(check_menu(compact, aliases=set())) == {"areas[0].bounds": "area_outside"}


def test_overlapping_areas_are_refused_but_touching_ones_pass():
    action = {"type": "message", "text": "a"}
    touching = [
        {"bounds": {"x": 0, "y": 0, "width": 100, "height": 100}, "action": action},
        {"bounds": {"x": 100, "y": 0, "width": 100, "height": 100}, "action": action},
    ]
    assert check_menu(spec(areas=touching), aliases=set()) == []
    touching[1]["bounds"]["x"] = 99
    problems = check_menu(spec(areas=touching), aliases=set())
    assert fields(problems) == {"areas[1].bounds": "area_overlap"}
    assert "1" in explain(problems, "en")["areas[1].bounds"]


def test_at_most_twenty_areas():
    action = {"type": "message", "text": "a"}
    areas = [{"bounds": {"x": i * 100, "y": 0, "width": 100, "height": 100}, "action": action} for i in range(21)]
    assert fields(check_menu(spec(areas=areas), aliases=set())) == {"areas": "areas_count"}
    assert check_menu(spec(areas=areas[:20]), aliases=set()) == []
    assert fields(check_menu(spec(areas=[]), aliases=set())) == {"areas": "areas_count"}


@pytest.mark.parametrize(
    ("action", "field", "key"),
    [
        ({"type": "uri", "uri": ""}, "uri", "uri_empty"),
        ({"type": "uri", "uri": "   "}, "uri", "uri_empty"),
        ({"type": "uri", "uri": "http://shop.example/"}, "uri", "uri_https"),
        ({"type": "uri", "uri": "javascript:alert(1)"}, "uri", "uri_https"),
        ({"type": "uri", "uri": "https://shop.example/" + "a" * 1000}, "uri", "uri_length"),
        ({"type": "message", "text": ""}, "text", "text"),
        ({"type": "message", "text": "あ" * 301}, "text", "text"),
        ({"type": "postback", "data": "x" * 301}, "data", "postback_data"),
        ({"type": "postback", "data": "a", "displayText": "y" * 301}, "displayText", "display_text"),
        ({"type": "richmenuswitch", "richMenuAliasId": "nope", "data": "tab"}, "richMenuAliasId", "alias_missing"),
        ({"type": "message", "text": "a", "label": "x" * 21}, "label", "label"),
        ({"type": "datetimepicker"}, "type", "action_type"),
    ],
)
def test_bad_actions_are_refused_by_field(action, field, key):
    areas = spec()["areas"]
    areas[0]["action"] = action
    assert fields(check_menu(spec(areas=areas), aliases={"tab-sale"})) == {f"areas[0].action.{field}": key}


def test_good_actions_pass():
    areas = spec()["areas"]
    areas[0]["action"] = {"type": "uri", "uri": "https://shop.example/collections/sale", "label": "セール"}
    areas[1]["action"] = {"type": "richmenuswitch", "richMenuAliasId": "tab-sale", "data": "tab=sale"}
    assert check_menu(spec(areas=areas), aliases={"tab-sale"}) == []
    areas[1]["action"] = {"type": "postback", "data": "x" * 300, "displayText": "配信停止"}
    assert check_menu(spec(areas=areas), aliases=set()) == []


@pytest.mark.parametrize("alias", ["", "a" * 33, "タブ", "tab sale", "tab/1"])
def test_alias_ids_follow_lines_rules(alias):
    assert fields(check_menu(spec(alias_id=alias), aliases=set())) == {"alias_id": "alias_id"}


def test_alias_ids_that_line_accepts():
    assert check_menu(spec(alias_id="richmenu-alias_A1"), aliases=set()) == []
    assert check_menu(spec(alias_id="a" * 32), aliases=set()) == []


def test_every_reason_reads_in_both_languages():
    areas = spec()["areas"]
    areas[0]["action"] = {"type": "uri", "uri": "http://x"}
    problems = check_menu(spec(areas=areas, chat_bar_text=""), aliases=set()) + check_image(b"x", "large")
    ja, en = explain(problems, "ja"), explain(problems, "en")
    assert set(ja) == set(en) == {"areas[0].action.uri", "chat_bar_text", "image"}
    assert ja["areas[0].action.uri"] != en["areas[0].action.uri"]
