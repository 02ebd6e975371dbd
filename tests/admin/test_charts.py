"""Server-rendered SVG charts: well-formed, labelled, accessible, honest when empty."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from app.admin import charts
from app.formatting import money

SVG = "{http://www.w3.org/2000/svg}"
TEXTS = charts.Texts(
    title="配信数",
    description="説明",
    x_axis="日付",
    y_axis="通数",
    empty="データなし",
    table="数値を表で見る",
    date="日付",
)
LABELS = ["11/23", "11/24", "11/25"]


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # the whole <figure> is well-formed XML


def test_stacked_bars_have_a_title_legend_axes_and_the_numbers():
    figure = parse(
        charts.stacked_bars(TEXTS, LABELS, [charts.Series("カゴ落ち", [1, 0, 3]), charts.Series("リピート", [2, 0, 5])])
    )
    svg = figure.find(f"{SVG}svg")

    assert svg.get("viewBox") == f"0 0 {charts.W} {charts.H}" and svg.get("width") == "100%"
    assert svg.get("role") == "img" and svg.get("aria-label") == "配信数"
    assert svg.find(f"{SVG}title").text == "配信数"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"日付", "通数", "11/23", "11/25", "10"} <= set(texts)  # axes, days, the top of the scale (8 → 10)
    groups = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "dash-series"]
    assert [g.get("aria-label") for g in groups] == ["カゴ落ち", "リピート"]
    assert len(groups[0].findall(f"{SVG}rect")) == 2  # zero days draw nothing
    assert [li.itertext() and "".join(li.itertext()) for li in figure.iter("li")] == ["カゴ落ち", "リピート"]
    rows = [[c.text for c in tr] for tr in figure.find("details").iter("tr")]
    assert rows[0] == ["日付", "カゴ落ち", "リピート"] and rows[3] == ["11/25", "3", "5"]


def test_stacked_bar_heights_add_up_to_the_days_total():
    svg = parse(charts.stacked_bars(TEXTS, LABELS, [charts.Series("a", [0, 0, 4]), charts.Series("b", [0, 0, 6])]))
    heights = [float(r.get("height")) for r in svg.iter(f"{SVG}rect")]
    plot = charts.H - charts.TOP - charts.BOTTOM

    assert sum(heights) == plot * 10 / 10  # 10 of a scale topped at 10: the full height


def test_revenue_bars_show_yen_on_the_axis_and_in_the_table():
    figure = parse(
        charts.stacked_bars(TEXTS, LABELS, [charts.Series("売上", [0, 4980, 12000])], fmt=lambda v: money(v, "JPY"))
    )
    texts = {t.text for t in figure.iter(f"{SVG}text")}

    assert "¥20,000" in texts and "¥0" in texts
    assert figure.find(".//ul") is None  # one series: no legend needed
    assert "¥4,980" in [td.text for td in figure.iter("td")]


def test_lines_draw_one_polyline_per_series_with_points():
    figure = parse(
        charts.lines(TEXTS, LABELS, [charts.Series("友だち追加", [3, 1, 2]), charts.Series("ブロック", [0, 1, 0])])
    )
    lines = list(figure.iter(f"{SVG}polyline"))

    assert len(lines) == 2 and len(lines[0].get("points").split()) == 3
    assert len(list(figure.iter(f"{SVG}circle"))) == 6


def test_no_data_says_so_instead_of_an_empty_box():
    figure = parse(charts.lines(TEXTS, LABELS, [charts.Series("友だち追加", [0, 0, 0])]))

    assert figure.find(f"{SVG}svg") is None
    assert figure.find("p").text == "データなし" and figure.find("figcaption").text == "配信数"


def test_ninety_days_label_at_most_eight_dates_ending_today():
    labels = [f"d{i}" for i in range(90)]
    svg = parse(charts.stacked_bars(TEXTS, labels, [charts.Series("a", [1] * 90)]))
    dates = [t.text for t in svg.iter(f"{SVG}text") if (t.text or "").startswith("d")]

    assert len(dates) <= 8 and dates[-1] == "d89"


def test_nice_max_rounds_up_to_1_2_5_and_gridlines_fall_on_whole_numbers():
    assert [charts.nice_max(v) for v in (0, 1, 3, 7, 12, 4980)] == [1, 1, 5, 10, 20, 5000]
    assert [charts.steps(top) for top in (1, 2, 5, 10, 20, 5000)] == [1, 2, 5, 5, 5, 5]
    svg = parse(charts.lines(TEXTS, LABELS, [charts.Series("ブロック", [0, 1, 0])]))
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("x") == str(charts.LEFT - 6)]
    assert ticks == ["0", "1"]  # not 0, 0, 0, 1, 1 from quarters of one
