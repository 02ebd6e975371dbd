"""Did the campaign make a difference? Sent group against holdout, with 95% intervals.

Pure functions, no database: the results page hands them counts and sums.

- Conversion (share of people who ordered): the difference of two proportions with the
  unpooled normal (Wald) interval, p1 - p2 ± z·√(p1(1-p1)/n1 + p2(1-p2)/n2).
- Revenue per recipient: the difference of two means with Welch's interval,
  m1 - m2 ± t(ν)·√(v1/n1 + v2/n2), ν by Welch–Satterthwaite. Per-person revenue is given as
  n, Σx and Σx² (everyone who did not order counts as 0), so 700,000 recipients are three
  numbers, not a list.

An interval that contains 0 is "not significant": the page says so rather than showing a
difference the data cannot tell from chance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)  # 1.959964…


@dataclass(frozen=True)
class Difference:
    estimate: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        """The interval leaves out 0 (both ends on the same side)."""
        return self.low > 0 or self.high < 0


def t_quantile_975(df: float) -> float:
    """Student's t 97.5% quantile for `df` degrees of freedom (Cornish–Fisher expansion
    around the normal quantile; within 0.004 of the exact value at df = 3, 0.001 from df = 4)."""
    if df <= 0 or math.isinf(df):
        return Z95
    z = Z95
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def conversion_difference(converted_a: int, n_a: int, converted_b: int, n_b: int) -> Difference | None:
    """Conversion of group a minus group b; None when either group is empty."""
    if n_a <= 0 or n_b <= 0:
        return None
    p_a, p_b = converted_a / n_a, converted_b / n_b
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    diff = p_a - p_b
    return Difference(diff, diff - Z95 * se, diff + Z95 * se)


@dataclass(frozen=True)
class Sums:
    """Per-person values of a group as n, Σx and Σx²."""

    n: int
    total: float
    squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        """The sample variance (n - 1 in the denominator)."""
        if self.n < 2:
            return 0.0
        return max(0.0, (self.squares - self.total**2 / self.n) / (self.n - 1))


def welch_difference(a: Sums, b: Sums) -> Difference | None:
    """Mean of a minus mean of b with Welch's 95% interval; None below 2 people a group."""
    if a.n < 2 or b.n < 2:
        return None
    va, vb = a.variance / a.n, b.variance / b.n
    diff = a.mean - b.mean
    se = math.sqrt(va + vb)
    if se == 0:
        return Difference(diff, diff, diff)
    df = (va + vb) ** 2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
    half = t_quantile_975(df) * se
    return Difference(diff, diff - half, diff + half)
