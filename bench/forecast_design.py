"""Design round for the trends forecaster: candidates on the dev origins only.

Dev (used for selection): the Indeed sector file cut to dates before ``BACKTEST_DESIGN_END``, so
every forecast origin and every target week is before it. ``--origins-only`` keeps the data and
drops only the origins on or after that date (the earlier design's protocol; targets reach up to
13 weeks into 2024). ``--full`` runs the chosen candidate and the current model on all origins
(run it once, after the choice is written down).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python -m bench.forecast_design [--origins-only | --full NAME]``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections import Counter

import numpy as np
import pandas as pd

from bench.bench_trends import BACKTEST_DESIGN_END, BACKTEST_START, BACKTEST_STEP, SECTOR_FILE
from jobatlas.trends import forecast as fc
from jobatlas.trends.backtest import backtest

CURRENT = "arima-median [current]"
# Third design round (2026-12-01); the first two rounds' candidates are in git history (0b9cf9a).
CANDIDATES = {
    CURRENT: {"robust": False},  # least squares, as before round 3
    "window 156": {"window": 156},
    "all history": {"window": None},
    "drift": {"drift": 1.0},
    "damped drift (half)": {"drift": 0.5},
    "median(AR 4, 8, 13, ETS)": {"ets": True},
    "seasonal lag 52 (156 weeks)": {"season_lag": True, "window": 156},
    "(arima-median + last year's change)/2": {"snaive": 0.5},
    "Huber AR median": {"robust": True},  # chosen in round 3: now the production fit
}


def combined_ar(
    values, weeks, lags=fc.AR_LAGS, window=fc.WINDOW, drift=None, ets=False,
    season_lag=False, snaive=0.0, robust=False,
) -> fc.Forecast:  # fmt: skip
    """Take the week-by-week median of AR members on log1p changes; errors from the combination.

    ``drift``: fit on the demeaned changes, add back that share of the mean change. ``ets``: a
    damped-trend ETS member. ``season_lag``: AR lag 52 as well. ``snaive``: weight of "last
    year's change" mixed into the median. ``robust``: Huber M-estimates instead of least squares.
    """
    y_all = np.log1p(np.asarray(values, dtype=float))
    y = y_all[-window:] if window else y_all
    horizon = len(weeks)
    if not (drift or season_lag):
        paths, steps = fc.ar_change_forecasts(y, lags, horizon, robust=robust)  # production
        first = max(lags)
    else:
        first = SEASON_LAG if season_lag else max(lags)
        paths, steps = _general_ar(np.diff(y), lags, horizon, first, drift, season_lag)
    if ets:
        e_path, e_steps = _ets_member(y, horizon, first)
        paths, steps = np.vstack([paths, e_path[None]]), np.vstack([steps, e_steps[None]])
    path, step = np.median(paths, axis=0), np.median(steps, axis=0)
    if snaive:
        s_path, s_steps = _last_years_change(y_all, len(y), horizon, first)
        path, step = (1 - snaive) * path + snaive * s_path, (1 - snaive) * step + snaive * s_steps
    if not np.isfinite(path).all():
        raise ValueError("non-finite forecast")
    # Origins without a year of history before them have no "last year's change" (NaN rows).
    errors = [e[~np.isnan(e)] for e in fc._combined_errors(y, step, first)]
    mean, lower, upper = fc._log_bands(y[-1] + path, errors)
    return fc.Forecast("candidate", "", weeks, mean, lower, upper)


SEASON_LAG = 52


def _general_ar(changes, orders, horizon, first, drift, season_lag):
    """Fit each order's AR by least squares (demeaned, or with lag 52); paths and steps."""
    mean = changes.mean() if drift is not None else 0.0
    x = changes - mean
    ramp = (drift or 0.0) * mean * np.arange(1, horizon + 1)
    paths, steps = [], []
    for p in orders:
        lags = list(range(1, p + 1)) + ([SEASON_LAG] if season_lag else [])
        coef = np.zeros(max(lags))
        coef[np.array(lags) - 1] = _fit_lags(x, lags)
        # 1 - sum coef_k z^k must have every root outside the unit circle.
        if (np.abs(np.roots(np.r_[-coef[::-1], 1.0])) <= 1).any():
            raise ValueError(f"AR({p}) fit is not stationary")
        out = fc._ar_cumulative_steps(x, coef, horizon, first=first - 1) + ramp
        paths.append(out[-1])  # the last origin is the end of the data: the forecast
        steps.append(out)
    return np.array(paths), np.array(steps)


def _fit_lags(x, lags):
    from statsmodels.tools.sm_exceptions import SingularMatrixWarning
    from statsmodels.tsa.ar_model import AutoReg

    with warnings.catch_warnings():
        warnings.simplefilter("error", SingularMatrixWarning)
        try:
            return np.asarray(AutoReg(x, lags=lags, trend="n").fit().params, dtype=float)
        except SingularMatrixWarning as exc:
            raise ValueError(f"AR fit failed: {exc}") from exc


def _ets_member(y, horizon, first):
    """Damped-trend ETS on log1p: forecast changes and in-sample summed steps per origin."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = ExponentialSmoothing(
            y, trend="add", damped_trend=True, initialization_method="estimated"
        ).fit()
    phi = float(fit.params["damping_trend"])
    damp = np.cumsum(phi ** np.arange(1, horizon + 1))
    level, trend = np.asarray(fit.level, dtype=float), np.asarray(fit.trend, dtype=float)
    # Row i: the forecast made once y[first + i] was known, as summed changes from it.
    origins = np.arange(first, len(y))
    steps = (level[origins] - y[origins])[:, None] + trend[origins][:, None] * damp
    return np.asarray(fit.forecast(horizon), dtype=float) - y[-1], steps


def _last_years_change(y_all, n_window, horizon, first):
    """Forecast the change of the same weeks a year earlier: y(t) + y(t+h-52) - y(t-52)."""
    offset = len(y_all) - n_window
    origins = offset + np.arange(first, n_window)  # positions in y_all of the window's origins
    if origins[-1] < SEASON_LAG:
        raise ValueError("less than a year of history")
    h = np.arange(1, horizon + 1)
    steps = np.full((len(origins), horizon), np.nan)
    ok = origins >= SEASON_LAG
    base = origins[ok] - SEASON_LAG
    steps[ok] = y_all[base[:, None] + h] - y_all[base][:, None]
    return steps[-1], steps


def make_forecaster(spec: dict, origin_end, fallbacks: Counter):
    """Mirror ``forecast_series`` for these (dense, long) series with a candidate AR model."""

    def forecaster(history: pd.Series, horizon: int) -> fc.Forecast:
        if origin_end is not None and history.index[-1] >= origin_end:
            return fc.Forecast("none", "after the dev origins")
        values = history.to_numpy(dtype=float)
        weeks = fc._future_weeks(history.index, horizon)
        try:
            return combined_ar(values, weeks, **spec)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
            fallbacks[str(exc)] += 1
            return fc._ets_forecast(values, weeks, seasonal=False, window=fc.WINDOW)

    return forecaster


def load(cut=None) -> pd.DataFrame:
    frame = pd.read_csv(SECTOR_FILE).rename(
        columns={"display_name": "series_id", "indeed_job_postings_index": "value"}
    )
    if cut is not None:
        frame = frame[pd.to_datetime(frame["date"]) < pd.Timestamp(cut)]
    return frame


def run(name, forecaster, frame) -> dict:
    started = time.perf_counter()
    report = backtest(frame, start=BACKTEST_START, step=BACKTEST_STEP, forecaster=forecaster)
    row = {"name": name, "seconds": round(time.perf_counter() - started, 1)}
    for h, m in report["horizons"].items():
        base = min(m["mase_naive"], m["mase_seasonal_naive"])
        row[h] = {
            "mase": round(m["mase"], 3),
            "naive": round(m["mase_naive"], 3),
            "snaive": round(m["mase_seasonal_naive"], 3),
            "ratio": round(m["mase"] / base, 4),
            "cov80": round(m["coverage80"], 3),
            "cov95": round(m["coverage95"], 3),
            "n": m["n_forecasts"],
        }
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--origins-only", action="store_true")
    parser.add_argument("--full", metavar="CANDIDATE", help="full run: this and the current model")
    parser.add_argument("--only", metavar="CANDIDATE", action="append", help="dev run of these")
    args = parser.parse_args()
    end = pd.Timestamp(BACKTEST_DESIGN_END)
    if args.full:
        frame = load()
        names = [args.full, CURRENT]
        for name in names:
            print(json.dumps(run(name, make_forecaster(CANDIDATES[name], None, Counter()), frame)))
        started = time.perf_counter()
        print(json.dumps(run("forecast_series (src)", fc.forecast_series, frame)))
        print(json.dumps({"src_seconds": round(time.perf_counter() - started, 1)}))
        return
    frame = load() if args.origins_only else load(cut=end)
    origin_end = end if args.origins_only else None
    for name, spec in CANDIDATES.items():
        if args.only and name not in args.only:
            continue
        fallbacks = Counter()
        row = run(name, make_forecaster(spec, origin_end, fallbacks), frame)
        row["fallbacks"] = dict(fallbacks)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
