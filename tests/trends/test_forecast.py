import numpy as np
import pandas as pd
import pytest

from jobatlas.trends.forecast import MIN_WEEKS, _naive_forecast, forecast_series


def weekly(values, start="2023-01-02") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="7D")
    )


def test_too_short_series_says_so_instead_of_inventing_numbers():
    result = forecast_series(weekly([5, 6, 7]))
    assert result.method == "none"
    assert not result.ok
    assert f"need at least {MIN_WEEKS}" in result.reason


def test_zero_filled_series_uses_a_count_model():
    result = forecast_series(weekly([0, 0, 1, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]))
    assert result.method == "rate-poisson"
    assert result.mean == pytest.approx(np.full(13, 4 / 13))  # last 13 weeks hold 4
    assert (result.lower[95] == 0).all()
    assert (result.upper[95] >= result.upper[80]).all()


def test_all_zero_series_forecasts_zero():
    result = forecast_series(weekly(np.zeros(20)))
    assert result.method.startswith("rate-")
    assert (result.mean == 0).all() and (result.upper[95] == 0).all()


def test_overdispersed_sparse_counts_use_negative_binomial():
    result = forecast_series(weekly([0, 0, 9, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0]))
    assert result.method == "rate-negbin"
    assert result.upper[95][0] > 10


def test_smooth_series_uses_damped_smoothing_with_ordered_intervals():
    rng = np.random.default_rng(0)
    values = 200 + np.cumsum(rng.normal(1, 3, 80))
    result = forecast_series(weekly(values))
    assert result.method == "ets-damped"
    assert len(result.mean) == 13
    assert result.weeks[0] == pd.Timestamp("2023-01-02") + pd.Timedelta(weeks=80)
    assert (result.lower[95] <= result.lower[80]).all()
    assert (result.lower[80] <= result.mean).all() and (result.mean <= result.upper[80]).all()
    assert (result.upper[80] <= result.upper[95]).all()
    # Uncertainty grows with the horizon.
    assert result.upper[95][-1] - result.lower[95][-1] > result.upper[95][0] - result.lower[95][0]


def test_seasonal_model_only_with_two_years():
    t = np.arange(120)
    values = 100 + 20 * np.sin(2 * np.pi * t / 52) + np.random.default_rng(1).normal(0, 1, 120)
    assert forecast_series(weekly(values), seasonal=True).method == "ets-damped-seasonal"
    assert forecast_series(weekly(values[:90]), seasonal=True).method == "ets-damped"


def test_naive_fallback_intervals_come_from_past_changes():
    values = np.array([10.0, 12, 11, 13, 12, 14, 13, 15, 14, 16])
    result = _naive_forecast(values, list(range(3)), "fallback")
    assert result.method == "naive"
    assert (result.mean == 16).all()
    assert result.upper[95][0] == pytest.approx(16 + np.quantile(np.diff(values), 0.975))


def test_missing_weeks_are_an_error():
    with pytest.raises(ValueError, match="missing weeks"):
        forecast_series(weekly([1, np.nan, 3, 4, 5, 6, 7, 8, 9]))


def test_to_dict_is_json_ready():
    result = forecast_series(weekly([0, 1] * 10)).to_dict()
    assert result["method"] == "rate-poisson"
    assert result["points"][0]["week"] == "2023-05-22"
    assert set(result["points"][0]) == {"week", "mean", "lower80", "upper80", "lower95", "upper95"}
