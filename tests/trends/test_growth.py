import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from jobatlas.trends.growth import (
    MIN_COUNT,
    compare_windows,
    dispersion,
    growth_for,
    growth_table,
    quasi_poisson_interval,
    rate_ratio_interval,
)


def test_exact_interval_matches_clopper_pearson_table_value():
    # 90 % Clopper-Pearson for 5 of 10 is (0.2224, 0.7776); as a rate ratio p / (1 - p).
    lower, upper = rate_ratio_interval(5, 5)
    assert lower == pytest.approx(0.2224 / 0.7776, rel=1e-3)
    assert upper == pytest.approx(0.7776 / 0.2224, rel=1e-3)


@pytest.mark.parametrize(("k1", "k2"), [(30, 15), (3, 40), (120, 118), (1, 1)])
def test_exact_interval_agrees_with_statsmodels_binomial(k1, k2):
    p_lo, p_hi = proportion_confint(k1, k1 + k2, alpha=0.10, method="beta")
    lower, upper = rate_ratio_interval(k1, k2)
    assert lower == pytest.approx(p_lo / (1 - p_lo))
    assert upper == pytest.approx(p_hi / (1 - p_hi))
    assert lower < k1 / k2 < upper


def test_exact_interval_edges():
    lower, _ = rate_ratio_interval(0, 12)
    _, upper = rate_ratio_interval(12, 0)
    assert lower == 0.0
    assert upper == np.inf


def test_quasi_poisson_interval_widens_with_dispersion():
    narrow = quasi_poisson_interval(100, 50, 1.0)
    wide = quasi_poisson_interval(100, 50, 4.0)
    assert wide[0] < narrow[0] < 2 < narrow[1] < wide[1]
    # Hand check: log(2) +- 1.6449 * sqrt(1/100 + 1/50).
    half = 1.6448536 * np.sqrt(0.03)
    assert narrow[0] == pytest.approx(2 * np.exp(-half))


def test_dispersion_of_constant_weeks_is_zero_and_of_bursty_weeks_large():
    flat = np.full((1, 13), 4.0)
    bursty = np.array([[0] * 12 + [52.0]])
    assert dispersion(flat, flat)[0] == 0
    assert dispersion(bursty, flat)[0] > 10


def test_small_counts_are_suppressed_with_a_reason():
    recent = np.array([[1] * 10 + [0] * 3])
    earlier = np.array([[0] * 13])
    (row,) = compare_windows(recent, earlier, "previous")
    assert row.change_pct is None
    assert f"fewer than {MIN_COUNT}" in row.suppressed
    (row,) = compare_windows(np.array([[3] * 13]), np.zeros((1, 13)), "previous")
    assert "no postings in the earlier window" in row.suppressed


def test_overdispersed_weeks_use_quasi_poisson():
    recent = np.array([[0, 0, 40, 0, 0, 0, 35, 0, 0, 0, 0, 45, 0]], dtype=float)
    earlier = np.array([[20, 0, 0, 0, 25, 0, 0, 0, 0, 0, 15, 0, 0]], dtype=float)
    (row,) = compare_windows(recent, earlier, "previous")
    assert row.method == "quasi-poisson"
    assert row.change_pct == pytest.approx(100.0)
    steady = compare_windows(np.full((1, 13), 8.0), np.full((1, 13), 4.0), "previous")[0]
    assert steady.method == "exact-conditional"
    assert steady.lower_pct < row.lower_pct or row.upper_pct > steady.upper_pct


def test_growth_for_a_series_with_and_without_a_year_of_data():
    weeks = pd.date_range("2024-01-01", periods=70, freq="7D")
    values = pd.Series(np.r_[np.full(57, 10.0), np.full(13, 20.0)], index=weeks)
    result = growth_for(values)
    assert result["previous"].recent == 260 and result["previous"].earlier == 130
    assert result["previous"].change_pct == 100.0
    assert result["previous"].lower_pct < 100 < result["previous"].upper_pct
    assert result["year_ago"].change_pct == 100.0
    short = growth_for(values.iloc[-30:])
    assert short["year_ago"].change_pct is None
    assert "30 weeks of data" in short["year_ago"].suppressed
    assert short["previous"].change_pct == pytest.approx(100.0 * (260 / 130) - 100)


def test_growth_table_counts_missing_weeks_as_zero():
    frame = pd.DataFrame(
        {
            "key": ["a", "a", "b"],
            "week": pd.to_datetime(["2024-01-01", "2024-06-24", "2024-06-24"]),
            "new": [30, 40, 2],
        }
    )
    table = growth_table(frame, "2024-06-24").set_index("key")
    assert table.loc["a", "previous_recent"] == 40
    assert table.loc["a", "previous_earlier"] == 30  # 2024-01-01 is 25 weeks back
    assert "suppressed" in table.loc["b", "previous_suppressed"]
