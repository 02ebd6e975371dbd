"""Drawn menu images: LINE's exact size and format under 1 MB, the labels really drawn (pixels
in a label's place differ from the button's colour), the active tab marked."""

from __future__ import annotations

import io

from PIL import Image

from app.richmenus import draw as drawing_module
from app.richmenus.draw import draw
from app.richmenus.layouts import layout
from app.richmenus.validate import check_image

GREEN = (6, 199, 85)


def areas_for(size: str, buttons: int, tabs: int = 0) -> list[dict]:
    return [{"bounds": b, "action": {"type": "message", "text": "a"}} for b in layout(size, buttons, tabs=tabs)]


def ink(image: Image.Image, box: tuple[int, int, int, int], background: tuple) -> int:
    """Pixels in `box` that are not the background colour."""
    return sum(
        1
        for p in image.crop(box).get_flattened_data()
        if max(abs(a - b) for a, b in zip(p, background, strict=True)) > 40
    )


def test_drawn_large_and_compact_images_are_what_line_accepts():
    for size, (width, height) in (("large", (2500, 1686)), ("compact", (2500, 843))):
        drawn = draw(size=size, areas=areas_for(size, 3), drawing={"areas": [{"label": "注文確認", "icon": "truck"}]})
        assert check_image(drawn.data, size) == []
        image = Image.open(io.BytesIO(drawn.data))
        assert image.size == (width, height) and image.format == "PNG" and drawn.content_type == "image/png"
        assert len(drawn.data) <= 1024 * 1024 and drawn.font_ok


def test_a_label_is_drawn_where_it_belongs_and_nowhere_without_one():
    areas = areas_for("large", 2)
    labelled = draw(size="large", areas=areas, drawing={"areas": [{"label": "注文確認"}, {"label": ""}]})
    image = Image.open(io.BytesIO(labelled.data)).convert("RGB")
    # the middle band of each button: where a label without an icon is centred
    left = (200, 743, 1050, 943)
    right = (1450, 743, 2300, 943)
    assert image.getpixel((625, 200)) == GREEN  # the button's own colour
    assert ink(image, left, GREEN) > 2000  # Japanese strokes in white
    assert ink(image, right, GREEN) == 0


def test_the_japanese_label_is_drawn_with_a_cjk_font_not_tofu():
    """Two different kanji labels give different pixels: a font without CJK glyphs draws
    the same empty box (tofu) for both."""
    areas = areas_for("compact", 1)
    one = Image.open(io.BytesIO(draw(size="compact", areas=areas, drawing={"areas": [{"label": "注文"}]}).data))
    two = Image.open(io.BytesIO(draw(size="compact", areas=areas, drawing={"areas": [{"label": "検索"}]}).data))
    assert one.convert("L").tobytes() != two.convert("L").tobytes()


def test_the_tab_strip_marks_the_active_tab():
    tabs = {"labels": ["ホーム", "セール"], "active": 1, "active_color": "#ff0000", "color": "#cccccc"}
    drawn = draw(size="large", areas=areas_for("large", 3, tabs=2), drawing={"tabs": tabs})
    image = Image.open(io.BytesIO(drawn.data)).convert("RGB")
    assert image.getpixel((30, 30)) == (204, 204, 204)  # tab 1 idle
    assert image.getpixel((1280, 30)) == (255, 0, 0)  # tab 2 active
    assert ink(image, (200, 40, 1050, 180), (204, 204, 204)) > 500  # "ホーム" drawn


def test_without_the_cjk_font_it_still_draws_and_says_so(monkeypatch):
    monkeypatch.setattr(drawing_module, "FONT_CANDIDATES", ("/nonexistent/font.ttc",))
    drawing_module.font_path.cache_clear()
    drawing_module._font.cache_clear()
    try:
        drawn = draw(size="compact", areas=areas_for("compact", 2), drawing={"areas": [{"label": "Order"}]})
        assert drawn.font_ok is False and check_image(drawn.data, "compact") == []
    finally:
        drawing_module.font_path.cache_clear()
        drawing_module._font.cache_clear()


def test_layouts_tile_the_image_without_overlaps():
    from app.richmenus.validate import check_areas

    for size, (width, height) in (("large", (2500, 1686)), ("compact", (2500, 843))):
        for buttons in range(1, 7):
            for tabs in (0, 2, 3):
                areas = areas_for(size, buttons, tabs)
                assert len(areas) == buttons + tabs
                assert check_areas(areas, width=width, height=height, aliases=set()) == []
                assert sum(a["bounds"]["width"] * a["bounds"]["height"] for a in areas) == width * height
