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
from collections import Counter

import numpy as np
import pandas as pd

from bench.bench_trends import BACKTEST_DESIGN_END, BACKTEST_START, BACKTEST_STEP, SECTOR_FILE
from jobatlas.trends import forecast as fc
from jobatlas.trends.backtest import backtest

CANDIDATES = {
    "arima-avg(4,8) [current]": {"lags": (4, 8)},
    "mean(4,8,13)": {"lags": (4, 8, 13)},
    "mean(2,4,8,13)": {"lags": (2, 4, 8, 13)},
    "median(4,8,13)": {"lags": (4, 8, 13), "combine": "median"},
    "median(2,4,8,13)": {"lags": (2, 4, 8, 13), "combine": "median"},
    "inv-mse(4,8)": {"lags": (4, 8), "combine": "invmse"},
    "inv-mse(2,4,8,13)": {"lags": (2, 4, 8, 13), "combine": "invmse"},
    "(arima-avg + naive)/2": {"lags": (4, 8), "shrink": 0.5},
    "arima-avg(4,8) level": {"lags": (4, 8), "log": False},
}


def combined_ar(values, weeks, lags, combine="mean", shrink=0.0, log=True) -> fc.Forecast:
    """Combine ARIMA(p, 1, 0) forecasts; intervals from the combination's in-sample errors."""
    y = np.log1p(values) if log else np.asarray(values, dtype=float)
    first = max(lags)
    paths, steps = fc.ar_change_forecasts(y, lags, len(weeks))
    if combine == "median":
        path, step = np.median(paths, axis=0), np.median(steps, axis=0)
    elif combine == "invmse":
        mse = np.array(
            [[np.mean(np.square(e)) for e in fc._combined_errors(y, s, first)] for s in steps]
        )
        weights = (1 / mse) / (1 / mse).sum(axis=0)  # models x horizon
        path = (weights * paths).sum(axis=0)
        step = (weights[:, None, :] * steps).sum(axis=0)
    else:
        path, step = paths.mean(axis=0), steps.mean(axis=0)
    path, step = (1 - shrink) * path, (1 - shrink) * step
    errors = fc._combined_errors(y, step, first)
    if log:
        mean, lower, upper = fc._log_bands(y[-1] + path, errors)
    else:
        mean, lower, upper = _level_bands(y[-1] + path, errors)
    return fc.Forecast("candidate", "", weeks, mean, lower, upper)


def _level_bands(path, errors):
    lower, upper = {}, {}
    for level in fc.LEVELS:
        half = np.array([fc._half_width(e, level) for e in errors])
        lower[level], upper[level] = (path - half).clip(min=0), (path + half).clip(min=0)
    return path.clip(min=0), lower, upper


def make_forecaster(spec: dict, origin_end, fallbacks: Counter):
    """Mirror ``forecast_series`` for these (dense, long) series with a candidate AR model."""

    def forecaster(history: pd.Series, horizon: int) -> fc.Forecast:
        if origin_end is not None and history.index[-1] >= origin_end:
            return fc.Forecast("none", "after the dev origins")
        values = history.to_numpy(dtype=float)
        weeks = fc._future_weeks(history.index, horizon)
        try:
            return combined_ar(values[-fc.WINDOW :], weeks, **spec)
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
    args = parser.parse_args()
    end = pd.Timestamp(BACKTEST_DESIGN_END)
    if args.full:
        frame = load()
        names = [args.full, "arima-avg(4,8) [current]"]
        for name in names:
            print(json.dumps(run(name, make_forecaster(CANDIDATES[name], None, Counter()), frame)))
        started = time.perf_counter()
        print(json.dumps(run("forecast_series (src)", fc.forecast_series, frame)))
        print(json.dumps({"src_seconds": round(time.perf_counter() - started, 1)}))
        return
    frame = load() if args.origins_only else load(cut=end)
    origin_end = end if args.origins_only else None
    for name, spec in CANDIDATES.items():
        fallbacks = Counter()
        row = run(name, make_forecaster(spec, origin_end, fallbacks), frame)
        row["fallbacks"] = dict(fallbacks)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
