"""The holdout statistics against values worked out by hand (and t tables)."""

from __future__ import annotations

import math

import pytest

from app.campaigns.uplift import Sums, conversion_difference, t_quantile_975, welch_difference


@pytest.mark.parametrize(
    ("df", "table"),
    [
        (3, 3.182446),
        (4, 2.776445),
        (5, 2.570582),
        (10, 2.228139),
        (30, 2.042272),
        (120, 1.979930),
        (math.inf, 1.959964),
    ],
)
def test_t_quantile_matches_the_tables(df, table):
    assert t_quantile_975(df) == pytest.approx(table, abs=0.005 if df == 3 else 0.001)


def test_conversion_difference_by_hand():
    # 120/1000 against 10/100: p1 - p2 = 0.02; se = √(0.12·0.88/1000 + 0.1·0.9/100)
    #   = √(0.0001056 + 0.0009) = √0.0010056 = 0.031711; ± 1.959964·0.031711 = ± 0.062153
    diff = conversion_difference(120, 1000, 10, 100)
    assert diff.estimate == pytest.approx(0.02)
    assert diff.low == pytest.approx(-0.042153, abs=1e-6)
    assert diff.high == pytest.approx(0.082153, abs=1e-6)
    assert not diff.significant


def test_a_clear_conversion_lift_is_significant():
    # 300/1000 against 100/1000: 0.2 ± 1.959964·√(0.21/1000 + 0.09/1000) = 0.2 ± 0.033948
    diff = conversion_difference(300, 1000, 100, 1000)
    assert (diff.low, diff.high) == (pytest.approx(0.166052, abs=1e-6), pytest.approx(0.233948, abs=1e-6))
    assert diff.significant


def test_empty_groups_have_no_difference():
    assert conversion_difference(0, 0, 1, 10) is None
    assert welch_difference(Sums(1, 5, 25), Sums(10, 5, 25)) is None


def test_welch_difference_by_hand():
    # a = [0, 0, 3000, 5000] : n 4, Σ 8000, Σx² 34,000,000 → mean 2000, s² = (34e6 - 16e6)/3 = 6e6
    # b = [0, 0, 0, 1000, 1000]: n 5, Σ 2000, Σx² 2,000,000 → mean 400, s² = (2e6 - 0.8e6)/4 = 3e5
    # va = 6e6/4 = 1.5e6, vb = 3e5/5 = 6e4; se = √1.56e6 = 1249.0
    # ν = 1.56e6² / (1.5e6²/3 + 6e4²/4) = 2.4336e12 / (7.5e11 + 9e8) = 3.2409
    a, b = Sums(4, 8000, 34_000_000), Sums(5, 2000, 2_000_000)
    assert (a.mean, a.variance, b.mean, b.variance) == (2000, 6e6, 400, 3e5)
    diff = welch_difference(a, b)
    half = t_quantile_975(3.2409) * math.sqrt(1.56e6)
    assert diff.estimate == pytest.approx(1600)
    assert (diff.low, diff.high) == (pytest.approx(1600 - half, abs=0.1), pytest.approx(1600 + half, abs=0.1))
    # t(3.24) ≈ 3.08 (between the tables' 3.182 at 3 and 2.776 at 4): ± ~3,850 yen
    assert 3700 < half < 4000
    assert not diff.significant


def test_welch_large_equal_groups_approach_the_normal_interval():
    # 10,000 each; a: mean 150, b: mean 100, both s² = 250,000 → se = √(25 + 25) = 7.0711
    n = 10_000

    def sums(mean):
        return Sums(n, mean * n, 250_000 * (n - 1) + mean * mean * n)

    diff = welch_difference(sums(150), sums(100))
    assert diff.estimate == pytest.approx(50)
    assert diff.high - diff.estimate == pytest.approx(1.96 * math.sqrt(50), rel=1e-3)
    assert diff.significant
