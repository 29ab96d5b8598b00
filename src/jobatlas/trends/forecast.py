"""Forecast a weekly series 13 weeks ahead with 80 % and 95 % prediction intervals.

Model choice, by what the series can support:

* fewer than ``MIN_WEEKS`` weeks of history: no forecast (``method="none"``, with the reason);
* sparse counts (mean of the last 13 weeks below ``SPARSE_MEAN`` or more than a third of them
  zero): a constant-rate count model, the mean of the last 13 weeks with Poisson quantiles, or
  negative-binomial quantiles when the weeks are overdispersed (``method="rate-poisson"`` /
  ``"rate-negbin"``);
* otherwise, with at least ``AR_MIN_WEEKS`` weeks, the median of three ARIMA(p, 1, 0) models
  without drift on ``log1p`` (p = 4, 8 and 13 weeks, on the weekly log changes of the last
  ``window`` weeks; older weeks describe a different market), ``method="arima-median"``.
  Autoregression on the changes carries the recent momentum of a smooth postings series and lets
  it fade; the median of a short, a medium and a quarter-long memory, taken week by week, ignores
  the one model that over- or under-shoots. The coefficients are Huber M-estimates (statsmodels
  ``RLM``) rather than least squares, so a single odd week (a holiday dip, a data glitch) does not
  bend the momentum of the others. (Chosen on rolling origins and targets before 2024 of the
  Indeed Hiring Lab sector series, by rules written down before each run: the median beat the
  earlier mean of two orders by 0.007, the Huber fit beat least squares by 0.013 in worst-horizon
  MASE ratio; see docs/benchmarks.md.)
* with fewer weeks, or when ``seasonal=True`` and two years are available: exponential smoothing
  (statsmodels Holt-Winters) on ``log1p`` with a damped additive trend, with a 52-week season
  when ``seasonal=True`` and at least two years are available (``"ets-damped-seasonal"``), else
  without (``"ets-damped"``).
* intervals, for both: the root mean square of the model's own in-sample h-step-ahead errors
  (for ARIMA, from the origins of the last ``ERROR_ORIGINS`` weeks), with normal quantiles,
  which tracks the real error of smooth, autocorrelated postings series better than the
  analytic model variance;
* if the fit fails: the last value (``"naive"``) with intervals from the quantiles of
  past h-week changes.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats

logger = logging.getLogger(__name__)

HORIZON = 13
MIN_WEEKS = 8
SPARSE_MEAN = 5.0
SEASON = 52
WINDOW = 104
LEVELS = (80, 95)
AR_LAGS = (4, 8, 13)
AR_MIN_WEEKS = 52
ERROR_ORIGINS = 52


@dataclass(frozen=True)
class Forecast:
    """Point forecasts and prediction intervals for the weeks after a series ends."""

    method: str
    reason: str
    weeks: list[pd.Timestamp] = field(default_factory=list)
    mean: np.ndarray = field(default_factory=lambda: np.empty(0))
    lower: dict[int, np.ndarray] = field(default_factory=dict)
    upper: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Say whether there are numbers (a series too short has none)."""
        return len(self.mean) > 0

    def to_frame(self) -> pd.DataFrame:
        """Return one row per forecast week: mean and the interval bounds."""
        data = {"week": self.weeks, "mean": self.mean}
        for level in sorted(self.lower):
            data[f"lower{level}"] = self.lower[level]
            data[f"upper{level}"] = self.upper[level]
        return pd.DataFrame(data)

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        rows = self.to_frame()
        rows["week"] = rows["week"].map(lambda w: w.date().isoformat())
        return {"method": self.method, "reason": self.reason, "points": rows.to_dict("records")}


def forecast_series(
    series: pd.Series,
    horizon: int = HORIZON,
    *,
    seasonal: bool = False,
    window: int = WINDOW,
) -> Forecast:
    """Forecast ``horizon`` weeks after a weekly series (index: week starts, values >= 0)."""
    values = np.asarray(series, dtype=float)
    if np.isnan(values).any():
        raise ValueError("series has missing weeks; fill them (zero for counts) before forecasting")
    weeks = _future_weeks(series.index, horizon)
    if len(values) < MIN_WEEKS:
        return Forecast(
            "none", f"too short to forecast: {len(values)} weeks, need at least {MIN_WEEKS}"
        )
    recent = values[-HORIZON:]
    if recent.mean() < SPARSE_MEAN or (recent == 0).mean() > 1 / 3:
        return _rate_forecast(values, weeks)
    use_season = seasonal and len(values) >= 2 * SEASON
    models = [lambda: _ets_forecast(values, weeks, seasonal=use_season, window=window)]
    if min(len(values), window) >= AR_MIN_WEEKS and not use_season:
        models.insert(0, lambda: _arima_forecast(values[-window:], weeks))
    failures = []
    for model in models:
        try:
            result = model()
        except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
            logger.info("model fit failed (%s); trying a simpler one", exc)
            failures.append(str(exc))
            continue
        if failures:
            return replace(result, reason=f"{result.reason} (ARIMA failed: {failures[0]})")
        return result
    return _naive_forecast(
        values, weeks, f"model fit failed ({'; '.join(failures)}); naive forecast"
    )


def _future_weeks(index: pd.Index, horizon: int) -> list[pd.Timestamp]:
    if isinstance(index, pd.DatetimeIndex) and len(index):
        return list(pd.date_range(index[-1] + pd.Timedelta(weeks=1), periods=horizon, freq="7D"))
    return list(pd.RangeIndex(len(index), len(index) + horizon))


def _rate_forecast(values: np.ndarray, weeks: list) -> Forecast:
    """Forecast sparse counts as a constant rate with count-model quantiles."""
    recent = values[-2 * HORIZON :]
    rate = values[-HORIZON:].mean()
    var = recent.var(ddof=1) if len(recent) > 1 else rate
    horizon = len(weeks)
    mean = np.full(horizon, rate)
    lower, upper = {}, {}
    if var > rate * 1.2 and rate > 0:
        # Negative binomial with the observed mean and variance: n = m^2 / (v - m).
        n = rate**2 / (var - rate)
        dist = stats.nbinom(n, n / (n + rate))
        method, why = "rate-negbin", "sparse, overdispersed counts"
    else:
        dist = stats.poisson(max(rate, 1e-9))
        method, why = "rate-poisson", "sparse counts"
    for level in LEVELS:
        tail = (1 - level / 100) / 2
        lower[level] = np.full(horizon, float(dist.ppf(tail)))
        upper[level] = np.full(horizon, float(dist.ppf(1 - tail)))
    reason = f"{why}: mean of the last {HORIZON} weeks ({rate:.2f}) carried forward"
    return Forecast(method, reason, weeks, mean, lower, upper)


def _ets_forecast(values: np.ndarray, weeks: list, *, seasonal: bool, window: int) -> Forecast:
    """Fit damped-trend exponential smoothing on log1p and add empirical error quantiles."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = np.log1p(values if seasonal else values[-window:])
    horizon = len(weeks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        model = ExponentialSmoothing(
            y,
            trend="add",
            damped_trend=True,
            seasonal="add" if seasonal else None,
            seasonal_periods=SEASON if seasonal else None,
            initialization_method="estimated",
        )
        fit = model.fit()
    path = np.asarray(fit.forecast(horizon), dtype=float)
    if not np.isfinite(path).all():
        raise ValueError("non-finite forecast")
    errors = _insample_errors(fit, y, horizon, seasonal)
    mean, lower, upper = _log_bands(path, errors)
    method = "ets-damped-seasonal" if seasonal else "ets-damped"
    season = "with a 52-week season" if seasonal else "no season"
    reason = (
        f"damped-trend exponential smoothing on log1p ({season}, {len(y)} weeks); "
        "intervals from in-sample h-step errors"
    )
    return Forecast(method, reason, weeks, mean, lower, upper)


def _arima_forecast(values: np.ndarray, weeks: list) -> Forecast:
    """Take the median of ARIMA(p, 1, 0) forecasts on log1p over ``AR_LAGS``; errors from it."""
    y = np.log1p(values)
    paths, steps = ar_change_forecasts(y, AR_LAGS, len(weeks))
    paths = y[-1] + paths
    # The same week-by-week median for the in-sample forecasts, so the errors are the model's own.
    path = np.median(paths, axis=0)
    if not np.isfinite(path).all():
        raise ValueError("non-finite forecast")
    errors = _combined_errors(y, np.median(steps, axis=0), first=max(AR_LAGS))
    mean, lower, upper = _log_bands(path, errors)
    orders = ", ".join(str(p) for p in AR_LAGS)
    reason = (
        f"median of Huber-fitted ARIMA(p, 1, 0) on log1p with p = {orders} ({len(y)} weeks); "
        "intervals from in-sample h-step errors of the median"
    )
    return Forecast("arima-median", reason, weeks, mean, lower, upper)


def ar_change_forecasts(
    y: np.ndarray, orders, horizon: int, *, robust: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Fit ARIMA(p, 1, 0) without drift to ``y`` for each order p; ValueError if one fails.

    ``robust``: Huber M-estimates of the coefficients, else least squares. Returns, one row per
    order, the summed forecast changes of the next ``horizon`` weeks, and the in-sample summed
    h-step changes from every origin after the first ``max(orders)`` weeks (see
    :func:`_ar_cumulative_steps`).
    """
    changes = np.diff(y)
    paths, steps = [], []
    for lags in orders:
        params = _ar_params(changes, lags, robust)
        # An explosive fit (one outlier week can cause it) would forecast runaway growth:
        # every root of 1 - sum(params[k] z^(k+1)) must lie outside the unit circle.
        if (np.abs(np.roots(np.r_[-params[::-1], 1.0])) <= 1).any():
            raise ValueError(f"ARIMA({lags}, 1, 0) fit is not stationary")
        out = _ar_cumulative_steps(changes, params, horizon, first=max(orders) - 1)
        paths.append(out[-1])  # the last origin is the end of the data: its row is the forecast
        steps.append(out)
    return np.array(paths), np.array(steps)


def _ar_params(changes: np.ndarray, lags: int, robust: bool) -> np.ndarray:
    """Return the AR(lags) coefficients of the changes, no constant; ValueError if unfittable."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, SingularMatrixWarning
    from statsmodels.tsa.ar_model import AutoReg

    design = np.column_stack([changes[lags - k : len(changes) - k] for k in range(1, lags + 1)])
    if np.linalg.matrix_rank(design) < lags:
        raise ValueError(f"ARIMA({lags}, 1, 0): weekly changes too regular to fit")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SingularMatrixWarning)
        warnings.simplefilter("error", RuntimeWarning)
        # Outlier-heavy weeks can stop IRLS at its iteration cap: its last iterate is kept (as
        # in the design round), and the stationarity check in the caller still applies.
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            if not robust:
                return np.asarray(AutoReg(changes, lags=lags, trend="n").fit().params, dtype=float)
            fit = sm.RLM(changes[lags:], design, M=sm.robust.norms.HuberT()).fit()
        except (SingularMatrixWarning, RuntimeWarning) as exc:
            raise ValueError(f"ARIMA({lags}, 1, 0): weekly changes too regular to fit") from exc
    return np.asarray(fit.params, dtype=float)


def _combined_errors(y: np.ndarray, pred: np.ndarray, first: int) -> list[np.ndarray]:
    """Return, per step h, the errors of the combined h-step forecasts of the recent origins.

    Row i of ``pred`` holds the summed forecast changes made once ``y[first + i]`` was known.
    """
    errors = []
    for h in range(1, pred.shape[1] + 1):
        known = y[first : len(y) - h]
        err = y[first + h :] - (known + pred[: len(known), h - 1])
        # Only the last year of origins: older errors describe an older market's volatility.
        err = err[-ERROR_ORIGINS:]
        errors.append(err if len(err) >= 10 else errors[0] * np.sqrt(h))
    return errors


def _ar_cumulative_steps(
    changes: np.ndarray, params: np.ndarray, horizon: int, first: int
) -> np.ndarray:
    """Return, per origin from ``first`` on, the summed forecast changes 1..horizon steps ahead."""
    lags = len(params)
    origins = np.arange(first, len(changes))
    # Column j holds the change j weeks before each origin's latest one.
    state = np.column_stack([changes[origins - j] for j in range(lags)])
    out = np.empty((len(origins), horizon))
    total = np.zeros(len(origins))
    for h in range(horizon):
        step = state @ params
        total = total + step
        out[:, h] = total
        state = np.column_stack([step, state[:, :-1]])
    return out


def _log_bands(path: np.ndarray, errors: list[np.ndarray]):
    """Return the mean and interval bounds on the original scale from a log1p path."""
    mean = np.expm1(path).clip(min=0)
    lower, upper = {}, {}
    for level in LEVELS:
        half = np.array([_half_width(e, level) for e in errors])
        lower[level] = np.expm1(path - half).clip(min=0)
        upper[level] = np.expm1(path + half).clip(min=0)
    return mean, lower, upper


def _insample_errors(fit, y: np.ndarray, horizon: int, use_season: bool) -> list[np.ndarray]:
    """Return, per step h, the errors of h-step forecasts made from each past state."""
    phi = float(fit.params["damping_trend"])
    level = np.asarray(fit.level, dtype=float)
    trend = np.asarray(fit.trend, dtype=float)
    season = np.asarray(fit.season, dtype=float) if use_season else None
    n = len(y)
    errors = []
    for h in range(1, horizon + 1):
        damp = phi * (1 - phi**h) / (1 - phi) if phi != 1 else float(h)
        origins = np.arange(0, n - h)
        pred = level[origins] + damp * trend[origins]
        if season is not None:
            # The seasonal state for week t+h was last updated one season earlier.
            src = origins + h - SEASON * ((h - 1) // SEASON + 1)
            ok = src >= 0
            origins, pred = origins[ok], pred[ok] + season[src[ok]]
        err = y[origins + h] - pred
        # Too few past origins (a short series): borrow the one-step spread scaled by sqrt(h).
        if len(err) < 10:
            one = y[1:] - (level[:-1] + phi * trend[:-1])
            err = one * np.sqrt(h)
        errors.append(err)
    return errors


def _half_width(errors: np.ndarray, level: int) -> float:
    """Return the half-width of a normal interval from the root-mean-square h-step error."""
    rms = float(np.sqrt(np.mean(np.square(errors))))
    return rms * float(stats.norm.ppf(0.5 + level / 200))


def _naive_forecast(values: np.ndarray, weeks: list, reason: str) -> Forecast:
    """Carry the last value forward; intervals from past h-week changes."""
    horizon = len(weeks)
    last = values[-1]
    mean = np.full(horizon, last)
    lower, upper = {}, {}
    for level in LEVELS:
        tail = (1 - level / 100) / 2
        lo, hi = [], []
        for h in range(1, horizon + 1):
            changes = values[h:] - values[:-h] if len(values) > h else np.array([0.0])
            lo.append(last + np.quantile(changes, tail))
            hi.append(last + np.quantile(changes, 1 - tail))
        lower[level] = np.clip(lo, 0, None)
        upper[level] = np.clip(hi, 0, None)
    return Forecast("naive", reason, weeks, mean, lower, upper)
