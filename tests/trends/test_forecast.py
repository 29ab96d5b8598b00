import numpy as np
import pandas as pd
import pytest

from jobatlas.trends import forecast
from jobatlas.trends.forecast import (
    AR_LAGS,
    AR_MIN_WEEKS,
    ERROR_ORIGINS,
    MIN_WEEKS,
    WINDOW,
    _ar_cumulative_steps,
    _ar_params,
    _combined_errors,
    _naive_forecast,
    ar_change_forecasts,
    forecast_series,
)


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


@pytest.mark.parametrize(("weeks", "method"), [(80, "arima-median"), (40, "ets-damped")])
def test_smooth_series_uses_arima_or_damped_smoothing_with_ordered_intervals(weeks, method):
    rng = np.random.default_rng(0)
    values = 200 + np.cumsum(rng.normal(1, 3, weeks))
    result = forecast_series(weekly(values))
    assert result.method == method
    assert len(result.mean) == 13
    assert result.weeks[0] == pd.Timestamp("2023-01-02") + pd.Timedelta(weeks=weeks)
    assert (result.lower[95] <= result.lower[80]).all()
    assert (result.lower[80] <= result.mean).all() and (result.mean <= result.upper[80]).all()
    assert (result.upper[80] <= result.upper[95]).all()
    # Uncertainty grows with the horizon.
    assert result.upper[95][-1] - result.lower[95][-1] > result.upper[95][0] - result.lower[95][0]


def test_seasonal_model_only_with_two_years():
    t = np.arange(120)
    values = 100 + 20 * np.sin(2 * np.pi * t / 52) + np.random.default_rng(1).normal(0, 1, 120)
    assert forecast_series(weekly(values), seasonal=True).method == "ets-damped-seasonal"
    assert forecast_series(weekly(values[:90]), seasonal=True).method == "arima-median"
    assert forecast_series(weekly(values[:45]), seasonal=True).method == "ets-damped"


def test_arima_intervals_use_the_same_recursion_as_statsmodels_forecasts():
    from statsmodels.tsa.ar_model import AutoReg

    changes = np.diff(np.log1p(200 + np.cumsum(np.random.default_rng(2).normal(0, 3, 90))))
    for lags in AR_LAGS:
        fit = AutoReg(changes, lags=lags, trend="n").fit()
        steps = _ar_cumulative_steps(changes, np.asarray(fit.params), 13, first=lags - 1)
        # The last origin is the end of the data: its row is the library's forecast, summed.
        assert steps[-1] == pytest.approx(np.cumsum(fit.forecast(13)))
        # The first origin's one-step forecast is the model's first fitted value.
        assert steps[0, 0] == pytest.approx(np.asarray(fit.fittedvalues)[0])


def huber_ar_path(changes, p, horizon=13):
    """Forecast summed changes of an AR(p) fitted by statsmodels' Huber RLM, step by step."""
    import statsmodels.api as sm

    design = np.column_stack([changes[p - k : len(changes) - k] for k in range(1, p + 1)])
    params = sm.RLM(changes[p:], design, M=sm.robust.norms.HuberT()).fit().params
    history = list(changes)
    for _ in range(horizon):
        history.append(float(np.dot(params, history[::-1][:p])))
    return np.cumsum(history[len(changes) :])


def test_arima_forecast_is_the_week_by_week_median_of_the_three_huber_fits():
    values = 200 + np.cumsum(np.random.default_rng(5).normal(0.5, 3, 150))
    y = np.log1p(values[-WINDOW:])
    paths = [y[-1] + huber_ar_path(np.diff(y), p) for p in AR_LAGS]
    result = forecast_series(weekly(values))
    assert AR_LAGS == (4, 8, 13)
    assert result.method == "arima-median"
    assert "Huber-fitted" in result.reason and "p = 4, 8, 13" in result.reason
    assert result.mean == pytest.approx(np.expm1(np.median(paths, axis=0)))
    # The median differs from the mean of the three (the earlier arima-avg used a mean).
    assert not np.allclose(result.mean, np.expm1(np.mean(paths, axis=0)))


def test_least_squares_option_matches_statsmodels_autoreg():
    from statsmodels.tsa.ar_model import AutoReg

    y = np.log1p(200 + np.cumsum(np.random.default_rng(8).normal(0.5, 3, 104)))
    paths, steps = ar_change_forecasts(y, AR_LAGS, 13, robust=False)
    for path, p in zip(paths, AR_LAGS, strict=True):
        assert path == pytest.approx(
            np.cumsum(AutoReg(np.diff(y), lags=p, trend="n").fit().forecast(13))
        )
    assert steps.shape == (3, 104 - max(AR_LAGS), 13)


def test_huber_fit_keeps_momentum_that_one_odd_week_bends_in_least_squares():
    # Persistent weekly changes (AR(1), 0.8) with one holiday dip: a low week, then back.
    noise = np.random.default_rng(1).normal(0, 0.01, 100)
    changes = np.zeros(100)
    for t in range(1, 100):
        changes[t] = 0.8 * changes[t - 1] + noise[t]
    changes[60] -= 0.06
    changes[61] += 0.06
    ols, huber = _ar_params(changes, 4, robust=False), _ar_params(changes, 4, robust=True)
    assert abs(huber[0] - 0.8) < abs(ols[0] - 0.8)


@pytest.mark.parametrize(("weeks", "method"), [(AR_MIN_WEEKS, "arima-median"), (51, "ets-damped")])
def test_shortest_arima_series_has_finite_ordered_intervals(weeks, method):
    values = 100 + np.cumsum(np.random.default_rng(6).normal(0, 2, weeks))
    result = forecast_series(weekly(values))
    assert result.method == method
    assert np.isfinite(result.upper[95]).all()
    assert (result.lower[95] <= result.lower[80]).all()
    assert (result.lower[80] <= result.mean).all() and (result.mean <= result.upper[80]).all()
    assert (result.upper[80] <= result.upper[95]).all()


def test_dense_series_with_a_few_zero_weeks_still_gets_a_finite_forecast():
    # Zero-filled gaps (weeks nothing was crawled) in a busy series: not sparse enough for the
    # count model, so the ARIMA median (or its fallback) must cope with the jumps in log1p.
    values = 50 + np.cumsum(np.random.default_rng(7).normal(0, 2, 90))
    values[[20, 47, 85]] = 0
    result = forecast_series(weekly(values))
    assert result.method in {"arima-median", "ets-damped"}
    assert np.isfinite(result.mean).all() and (result.mean >= 0).all()
    assert (result.lower[95] <= result.mean).all() and (result.mean <= result.upper[95]).all()


def test_every_method_name_is_documented_in_the_module_docstring():
    for method in (
        "none",
        "rate-poisson",
        "rate-negbin",
        "arima-median",
        "ets-damped",
        "ets-damped-seasonal",
        "naive",
    ):
        assert f'"{method}"' in forecast.__doc__


def test_arima_errors_pair_each_origin_with_the_week_h_later():
    y = np.arange(80.0) ** 2
    # A forecast of no change: the h-step errors are the h-week changes from each origin on.
    errors = _combined_errors(y, np.zeros((80 - 8, 3)), first=8)
    assert errors[0] == pytest.approx((y[9:] - y[8:-1])[-ERROR_ORIGINS:])
    assert errors[2] == pytest.approx((y[11:] - y[8:-3])[-ERROR_ORIGINS:])
    assert len(errors[2]) == ERROR_ORIGINS


def test_arima_follows_recent_momentum():
    # Weekly log changes that persist (AR(1), 0.8), then three weeks of 3 % growth.
    noise = np.random.default_rng(4).normal(0, 0.01, 80)
    changes = np.zeros(80)
    for t in range(1, 80):
        changes[t] = 0.8 * changes[t - 1] + noise[t]
    changes = np.r_[changes, 0.03, 0.03, 0.03]
    values = 100 * np.exp(np.cumsum(changes))
    result = forecast_series(weekly(values))
    assert result.method == "arima-median"
    assert result.mean[0] > values[-1]  # a naive forecast would stay flat


def test_constant_series_falls_back_from_arima_and_says_why():
    result = forecast_series(weekly(np.full(60, 100.0)))
    assert result.method == "ets-damped"
    assert "ARIMA failed" in result.reason and "too regular" in result.reason
    assert result.mean == pytest.approx(np.full(13, 100.0))


def test_explosive_arima_fit_falls_back_to_smoothing():
    values = np.r_[np.full(50, 100.0), 200, 100, 100, 300, 0, 100, 100, 100, 100]
    result = forecast_series(weekly(values))
    assert result.method == "ets-damped"
    assert "not stationary" in result.reason
    assert np.isfinite(result.upper[95]).all()


def test_every_model_failing_gives_the_naive_forecast(monkeypatch):
    def fail(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(forecast, "_arima_forecast", fail)
    monkeypatch.setattr(forecast, "_ets_forecast", fail)
    result = forecast_series(weekly(np.arange(60.0) + 50))
    assert result.method == "naive"
    assert "boom; boom" in result.reason
    assert (result.mean == 109).all()


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
