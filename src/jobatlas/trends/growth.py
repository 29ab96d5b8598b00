"""Growth of posting counts between two 13-week windows, with 90 % intervals for small counts.

The recent window is the 13 weeks ending at ``end``; it is compared with the 13 weeks before it
and, when a year of data exists, with the same 13 weeks a year earlier. Counts are modelled as
Poisson rates, and the growth is the rate ratio ``R = k1 / k2`` (both windows are 13 weeks):

* by default the interval is the exact conditional one: given ``n = k1 + k2``, ``k1`` is
  binomial with ``p = R / (1 + R)``, so the Clopper-Pearson interval for ``p`` maps to one for
  ``R`` (it stays honest for a handful of postings);
* when the weekly counts are overdispersed (Pearson dispersion of the 26 weeks around their
  window means above ``OVERDISPERSED``), a quasi-Poisson interval on ``log R`` with the standard
  error inflated by the dispersion is used instead.

A comparison with fewer than ``MIN_COUNT`` postings in its two windows, or none in the earlier
window, is suppressed and says why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

WINDOW = 13
MIN_COUNT = 20
LEVEL = 0.90
OVERDISPERSED = 1.5
COMPARISONS = ("previous", "year_ago")


@dataclass(frozen=True)
class Growth:
    """One window comparison: counts, change in percent and its interval, or why not."""

    comparison: str  # "previous" (13 weeks before) or "year_ago" (same weeks a year earlier)
    recent: int | None
    earlier: int | None
    change_pct: float | None
    lower_pct: float | None
    upper_pct: float | None
    method: str | None  # "exact-conditional" or "quasi-poisson"
    suppressed: str | None = None

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return asdict(self)


def rate_ratio_interval(k1: int, k2: int, level: float = LEVEL) -> tuple[float, float]:
    """Return the exact conditional (Clopper-Pearson) interval for a ratio of Poisson rates."""
    k1, k2 = np.asarray(k1, dtype=float), np.asarray(k2, dtype=float)
    alpha = 1 - level
    n = k1 + k2
    with np.errstate(divide="ignore", invalid="ignore"):
        p_lo = np.where(k1 > 0, stats.beta.ppf(alpha / 2, k1, n - k1 + 1), 0.0)
        p_hi = np.where(k2 > 0, stats.beta.ppf(1 - alpha / 2, k1 + 1, n - k1), 1.0)
        lower = p_lo / (1 - p_lo)
        upper = np.where(p_hi < 1, p_hi / (1 - p_hi), np.inf)
    return lower, upper


def quasi_poisson_interval(k1, k2, dispersion, level: float = LEVEL) -> tuple:
    """Return a Wald interval for ``log(k1 / k2)`` with the variance scaled by the dispersion."""
    k1, k2 = np.asarray(k1, dtype=float), np.asarray(k2, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(k1 / k2)
        se = np.sqrt(dispersion * (1 / k1 + 1 / k2))
        return np.exp(log_ratio - z * se), np.exp(log_ratio + z * se)


def dispersion(recent: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Return the Pearson dispersion of weekly counts around their window means (rows: series)."""
    chi2 = np.zeros(recent.shape[0])
    for block in (recent, earlier):
        mean = block.mean(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            chi2 += np.where(mean > 0, (block - mean) ** 2 / mean, 0.0).sum(axis=1)
    df = recent.shape[1] + earlier.shape[1] - 2
    return chi2 / df


def compare_windows(recent: np.ndarray, earlier: np.ndarray, comparison: str) -> list[Growth]:
    """Compare two blocks of weekly counts (rows: series, columns: 13 weeks each)."""
    recent, earlier = np.atleast_2d(recent), np.atleast_2d(earlier)
    k1, k2 = recent.sum(axis=1), earlier.sum(axis=1)
    phi = dispersion(recent, earlier)
    exact_lo, exact_hi = rate_ratio_interval(k1, k2)
    quasi_lo, quasi_hi = quasi_poisson_interval(k1, k2, np.maximum(phi, 1.0))
    out = []
    for i in range(len(k1)):
        reason = _suppression(k1[i], k2[i])
        if reason:
            out.append(Growth(comparison, int(k1[i]), int(k2[i]), None, None, None, None, reason))
            continue
        quasi = phi[i] > OVERDISPERSED
        lo, hi = (quasi_lo[i], quasi_hi[i]) if quasi else (exact_lo[i], exact_hi[i])
        out.append(
            Growth(
                comparison,
                int(k1[i]),
                int(k2[i]),
                _pct(k1[i] / k2[i]),
                _pct(lo),
                _pct(hi),
                "quasi-poisson" if quasi else "exact-conditional",
            )
        )
    return out


def _suppression(k1: float, k2: float) -> str | None:
    if k1 + k2 < MIN_COUNT:
        return f"suppressed: {int(k1 + k2)} postings in the two windows, fewer than {MIN_COUNT}"
    if k2 == 0:
        return "suppressed: no postings in the earlier window, so growth is undefined"
    return None


def _pct(ratio: float) -> float | None:
    return round((float(ratio) - 1) * 100, 1) if np.isfinite(ratio) else None


def growth_table(frame: pd.DataFrame, end, metric: str = "new") -> pd.DataFrame:
    """Return growth for every key of a weekly frame (``key, week, <metric>``) at ``end``.

    Columns: ``key``, then per comparison ``<c>_recent``, ``<c>_earlier``, ``<c>_change_pct``,
    ``<c>_lower_pct``, ``<c>_upper_pct``, ``<c>_method``, ``<c>_suppressed``.
    """
    end = pd.Timestamp(end)
    table = pd.DataFrame({"key": sorted(frame["key"].unique()) if not frame.empty else []})
    if table.empty:
        return table
    matrix, first = _week_matrix(frame, end, metric, table["key"])
    blocks = {
        "previous": (matrix[:, -WINDOW:], matrix[:, -2 * WINDOW : -WINDOW], WINDOW * 2),
        "year_ago": (matrix[:, -WINDOW:], matrix[:, -WINDOW - 52 : -52], WINDOW + 52),
    }
    span_weeks = (end - first).days // 7 + 1
    for name, (recent, earlier, needed) in blocks.items():
        rows = compare_windows(recent, earlier, name)
        for i, weeks_seen in enumerate(span_weeks):
            if weeks_seen < needed:
                rows[i] = _too_short(name, weeks_seen, needed)
        for field in (
            "recent",
            "earlier",
            "change_pct",
            "lower_pct",
            "upper_pct",
            "method",
            "suppressed",
        ):
            table[f"{name}_{field}"] = [getattr(r, field) for r in rows]
    return table


def _week_matrix(frame: pd.DataFrame, end: pd.Timestamp, metric: str, keys: pd.Series):
    """Return a dense (key x week) matrix of the 78 weeks to ``end`` and each key's first week."""
    span = WINDOW * 2 + 52
    row = pd.Index(keys).get_indexer(frame["key"])
    weeks = pd.to_datetime(frame["week"])
    col = (weeks - end).dt.days.to_numpy() // 7 + span - 1
    inside = (col >= 0) & (col < span)
    matrix = np.zeros((len(keys), span))
    np.add.at(matrix, (row[inside], col[inside]), frame[metric].to_numpy(dtype=float)[inside])
    first = weeks.groupby(row).min().reindex(range(len(keys)))
    return matrix, pd.DatetimeIndex(first.to_numpy())


def _too_short(comparison: str, weeks_seen: int, needed: int) -> Growth:
    reason = f"suppressed: {weeks_seen} weeks of data, the comparison needs {needed}"
    return Growth(comparison, None, None, None, None, None, None, reason)


def growth_for(series: pd.Series, end=None) -> dict[str, Growth]:
    """Return both comparisons for one gap-free weekly series (index: week Mondays)."""
    end = series.index.max() if end is None else pd.Timestamp(end)
    frame = pd.DataFrame({"key": "x", "week": series.index, "new": series.to_numpy()})
    table = growth_table(frame, end, "new")
    if table.empty:
        return {
            c: _too_short(c, 0, WINDOW * 2 if c == "previous" else WINDOW + 52) for c in COMPARISONS
        }
    row = table.iloc[0]
    return {
        c: Growth(
            c,
            _int(row[f"{c}_recent"]),
            _int(row[f"{c}_earlier"]),
            *(
                _none(row[f"{c}_{f}"])
                for f in ("change_pct", "lower_pct", "upper_pct", "method", "suppressed")
            ),
        )
        for c in COMPARISONS
    }


def _int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _none(value):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value
