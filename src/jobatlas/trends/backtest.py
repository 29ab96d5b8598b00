"""Rolling-origin backtest of weekly forecasts: MASE and prediction-interval coverage.

Input is long format (``date, series_id, value``). Dates are taken as calendar days (no time
zone); each is assigned to its ISO week (Monday start). Daily input (a series whose median
spacing is under a week) is resampled to weekly means; weeks with fewer than 7 days of data are
dropped, which removes the partial first and last week. Weekly input is aligned to the Monday
of its week; gaps inside a series are an error.

For every series and every origin ``t`` (the last week used for fitting; only origins on or
after ``start``, every ``step`` weeks) the forecaster predicts ``t + h`` for each horizon ``h``.
Absolute errors are scaled by the mean absolute one-week change of the training data (the
in-sample naive error, as in Hyndman and Koehler's MASE). A series' MASE at horizon ``h`` is the
mean scaled error over its origins; the reported figure is the median over series. The naive
forecast is the last value; the seasonal-naive forecast is the value 52 weeks before the target
week (origins with less than a year of history have none). Coverage is the share of all
forecasts whose actual value falls inside the 80 % / 95 % interval.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jobatlas.trends.forecast import SEASON, Forecast, forecast_series

logger = logging.getLogger(__name__)

HORIZONS = (4, 8, 13)
MIN_TRAIN = 26


class SeriesFileError(ValueError):
    """A series file that cannot be read as ``date, series_id, value``."""


@dataclass
class HorizonScore:
    """Accumulated errors at one horizon."""

    model: dict[str, list[float]] = field(default_factory=dict)
    naive: dict[str, list[float]] = field(default_factory=dict)
    seasonal: dict[str, list[float]] = field(default_factory=dict)
    inside80: int = 0
    inside95: int = 0
    n: int = 0

    def add(self, sid: str, scale: float, actual: float, fc: Forecast, step: int, naive, snaive):
        """Record one forecast of one series."""
        self.model.setdefault(sid, []).append(abs(actual - fc.mean[step]) / scale)
        self.naive.setdefault(sid, []).append(abs(actual - naive) / scale)
        if snaive is not None:
            self.seasonal.setdefault(sid, []).append(abs(actual - snaive) / scale)
        self.inside80 += int(fc.lower[80][step] <= actual <= fc.upper[80][step])
        self.inside95 += int(fc.lower[95][step] <= actual <= fc.upper[95][step])
        self.n += 1

    def summary(self) -> dict:
        """Return the medians over series and the pooled coverage."""
        return {
            "mase": _median_of_means(self.model),
            "mase_naive": _median_of_means(self.naive),
            "mase_seasonal_naive": _median_of_means(self.seasonal),
            "coverage80": self.inside80 / self.n if self.n else None,
            "coverage95": self.inside95 / self.n if self.n else None,
            "n_forecasts": self.n,
        }


def _median_of_means(errors: dict[str, list[float]]) -> float | None:
    if not errors:
        return None
    return float(np.median([np.mean(v) for v in errors.values()]))


def read_series_file(
    path, date: str = "date", series_id: str = "series_id", value: str = "value"
) -> pd.DataFrame:
    """Read a long-format CSV (gzip allowed); SeriesFileError if bad.

    ``date``, ``series_id`` and ``value`` name the file's columns that hold them, so a file
    as published (Indeed Hiring Lab's ``display_name``, ``indeed_job_postings_index``) reads
    without editing.
    """
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise SeriesFileError(f"cannot read {path}: {exc}") from exc
    names = {date: "date", series_id: "series_id", value: "value"}
    if len(names) < 3:
        raise SeriesFileError(f"{path}: date, series and value must be three different columns")
    missing = [name for name in names if name not in frame.columns]
    if missing and names != {n: n for n in ("date", "series_id", "value")}:
        raise SeriesFileError(
            f"{path}: no column {', '.join(map(repr, missing))}; "
            f"the file has {', '.join(map(str, frame.columns))}"
        )
    frame = frame.drop(columns=[c for c in ("date", "series_id", "value")
                                if c in frame.columns and c not in names])  # fmt: skip
    return validate_series(frame.rename(columns=names), str(path))


def validate_series(frame: pd.DataFrame, name: str = "series") -> pd.DataFrame:
    """Check columns and types of a long-format series frame; return it cleaned."""
    missing = {"date", "series_id", "value"} - set(frame.columns)
    if missing:
        raise SeriesFileError(
            f"{name}: missing column(s) {', '.join(sorted(missing))}; "
            "expected date, series_id, value"
        )
    out = frame[["date", "series_id", "value"]].copy()
    dates = pd.to_datetime(out["date"], errors="coerce", utc=False, format="mixed")
    if dates.isna().any():
        bad = out.loc[dates.isna(), "date"].iloc[0]
        raise SeriesFileError(f"{name}: unreadable date {bad!r}")
    values = pd.to_numeric(out["value"], errors="coerce")
    if values.isna().any():
        bad = out.loc[values.isna(), "value"].iloc[0]
        raise SeriesFileError(f"{name}: non-numeric or missing value {bad!r}")
    if (values < 0).any():
        raise SeriesFileError(f"{name}: negative values; series must be counts or indexes >= 0")
    if out.empty:
        raise SeriesFileError(f"{name}: no rows")
    out["date"] = dates.dt.tz_localize(None) if dates.dt.tz is not None else dates
    out["date"] = out["date"].dt.normalize()
    out["value"] = values.astype(float)
    out["series_id"] = out["series_id"].astype(str)
    return out


def to_weekly(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Return one weekly series (index: ISO week Mondays) per series id."""
    result = {}
    for sid, rows in validate_series(frame).groupby("series_id", sort=True):
        rows = rows.sort_values("date")
        spacing = rows["date"].diff().dt.days.median() if len(rows) > 1 else 7
        week = rows["date"] - pd.to_timedelta(rows["date"].dt.day_of_week, unit="D")
        grouped = rows.groupby(week)["value"]
        if spacing < 7:
            stats = grouped.agg(["mean", "size"])
            weekly = stats.loc[stats["size"] >= 7, "mean"]
        else:
            if grouped.size().max() > 1:
                raise SeriesFileError(f"series {sid!r}: two values in one week")
            weekly = grouped.first()
        full = pd.date_range(weekly.index.min(), weekly.index.max(), freq="7D")
        if len(weekly) != len(full):
            raise SeriesFileError(f"series {sid!r}: missing weeks inside the series")
        weekly.index = pd.DatetimeIndex(weekly.index, name="week")
        result[str(sid)] = weekly.astype(float)
    return result


Forecaster = Callable[[pd.Series, int], Forecast]


def default_forecaster(history: pd.Series, horizon: int) -> Forecast:
    """Forecast with the trends default model."""
    return forecast_series(history, horizon)


def backtest(
    frame: pd.DataFrame,
    horizons: Iterable[int] = HORIZONS,
    *,
    start=None,
    step: int = 1,
    forecaster: Forecaster = default_forecaster,
    min_train: int = MIN_TRAIN,
) -> dict:
    """Run rolling-origin forecasts over every series; return ``{"horizons": {h: metrics}}``."""
    horizons = sorted(set(int(h) for h in horizons))
    if step < 1:
        raise ValueError("step must be at least 1")
    start_ts = pd.Timestamp(start) if start is not None else None
    scores = {h: HorizonScore() for h in horizons}
    for sid, series in to_weekly(frame).items():
        _backtest_one(sid, series, horizons, start_ts, step, forecaster, min_train, scores)
    return {"horizons": {str(h): scores[h].summary() for h in horizons}}


def _backtest_one(sid, series, horizons, start_ts, step, forecaster, min_train, scores) -> None:
    values = series.to_numpy()
    n = len(values)
    origins = [
        t
        for t in range(min_train - 1, n - horizons[0])
        if start_ts is None or series.index[t] >= start_ts
    ][::step]
    for t in origins:
        history = series.iloc[: t + 1]
        scale = np.mean(np.abs(np.diff(values[: t + 1])))
        if not scale > 0:
            continue
        fc = forecaster(history, horizons[-1])
        if not fc.ok:
            continue
        for h in horizons:
            if t + h >= n:
                continue
            back = t + h - SEASON * ((h - 1) // SEASON + 1)
            snaive = values[back] if back >= 0 else None
            scores[h].add(sid, scale, values[t + h], fc, h - 1, values[t], snaive)
    logger.debug("backtested %s at %d origins", sid, len(origins))
