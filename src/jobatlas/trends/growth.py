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
FIELDS = ("recent", "earlier", "change_pct", "lower_pct", "upper_pct", "method", "suppressed")
COUNTS = ("recent", "earlier")  # fields holding whole numbers of postings


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
    recent, earlier = np.atleast_2d(recent), np.atleast_2d(earlier)
    return dispersion_from_sums(*window_sums(recent), *window_sums(earlier), recent.shape[1])


def window_sums(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's sum and sum of squares of a block of weekly counts."""
    block = np.asarray(block, dtype=float)
    return block.sum(axis=1), (block * block).sum(axis=1)


def dispersion_from_sums(k1, q1, k2, q2, weeks: int = WINDOW) -> np.ndarray:
    """Return the Pearson dispersion of two windows from their sums and sums of squares.

    Per window, ``sum((x - m)**2 / m) = weeks * q / k - k`` with ``m = k / weeks``: the sums are
    all a stored series needs, so they can come from one SQL aggregate as well as from a matrix.
    """
    chi2 = np.zeros(np.shape(k1))
    for k, q in ((np.asarray(k1, float), q1), (np.asarray(k2, float), q2)):
        with np.errstate(divide="ignore", invalid="ignore"):
            chi2 += np.where(k > 0, weeks * np.asarray(q, float) / k - k, 0.0)
    return chi2 / (2 * weeks - 2)


def compare_windows(recent: np.ndarray, earlier: np.ndarray, comparison: str) -> list[Growth]:
    """Compare two blocks of weekly counts (rows: series, columns: 13 weeks each)."""
    recent, earlier = np.atleast_2d(recent), np.atleast_2d(earlier)
    columns = compare_sums(*window_sums(recent), *window_sums(earlier), recent.shape[1])
    return [Growth(comparison, *(columns[f][i] for f in FIELDS)) for i in range(recent.shape[0])]


def compare_sums(k1, q1, k2, q2, weeks: int = WINDOW) -> dict[str, np.ndarray]:
    """Return growth columns (``FIELDS``, object arrays) of windows given by their sums.

    ``k`` are the windows' sums and ``q`` their sums of squares. Vectorized throughout: the
    refresh runs it over every stored series at once.
    """
    return _objects(compare_arrays(k1, q1, k2, q2, weeks))


def compare_arrays(k1, q1, k2, q2, weeks: int = WINDOW) -> dict[str, np.ndarray]:
    """Return the columns of ``compare_sums`` as typed arrays: numbers float, NaN for none.

    Counts and percents stay numeric (texts are object arrays, None for none), so the refresh
    can write a million rows without making a Python object per number.
    """
    k1, k2 = np.asarray(k1, dtype=float), np.asarray(k2, dtype=float)
    phi = dispersion_from_sums(k1, q1, k2, q2, weeks)
    quasi = phi > OVERDISPERSED
    exact_lo, exact_hi = rate_ratio_interval(k1, k2)
    quasi_lo, quasi_hi = quasi_poisson_interval(k1, k2, np.maximum(phi, 1.0))
    lower, upper = np.where(quasi, quasi_lo, exact_lo), np.where(quasi, quasi_hi, exact_hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = k1 / k2
    total = k1 + k2
    few = total < MIN_COUNT
    none_before = ~few & (k2 == 0)
    shown = ~(few | none_before)
    reasons = np.full(len(k1), None, dtype=object)
    reasons[few] = _messages(total[few], _FEW)
    reasons[none_before] = _NONE_BEFORE
    methods = np.full(len(k1), None, dtype=object)
    methods[shown & quasi] = "quasi-poisson"
    methods[shown & ~quasi] = "exact-conditional"
    return {
        "recent": k1.copy(),  # callers blank rows of their own copy
        "earlier": k2.copy(),
        "change_pct": _pct(ratio, shown),
        "lower_pct": _pct(lower, shown),
        "upper_pct": _pct(upper, shown),
        "method": methods,
        "suppressed": reasons,
    }


def _objects(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return typed growth columns as object arrays: counts int, percents float, NaN None."""
    out = {}
    for name, values in columns.items():
        if values.dtype == object:
            out[name] = values
            continue
        known = ~np.isnan(values)
        objects = np.full(len(values), None, dtype=object)
        kept = values[known]
        if name.endswith(COUNTS):
            kept = kept.astype(np.int64)
        objects[known] = kept.astype(object)  # Python ints and floats
        out[name] = objects
    return out


_FEW = "suppressed: {} postings in the two windows, fewer than " + str(MIN_COUNT)
_NONE_BEFORE = "suppressed: no postings in the earlier window, so growth is undefined"
_SHORT = "suppressed: {} weeks of data, the comparison needs {}"


def _messages(counts: np.ndarray, template: str, *extra) -> np.ndarray:
    """Return ``template`` filled in for each count (formatted once per distinct count)."""
    distinct, index = np.unique(np.asarray(counts, dtype=np.int64), return_inverse=True)
    texts = np.array([template.format(int(c), *extra) for c in distinct], dtype=object)
    return texts[index.reshape(-1)]


def _pct(ratio: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """Return ratios as percent changes rounded to 0.1 (NaN where not shown)."""
    out = np.full(len(ratio), np.nan)
    ok = shown & np.isfinite(ratio)
    out[ok] = np.round((ratio[ok] - 1) * 100, 1)
    return out


# The weeks of each window counted back from ``end`` (0 = the end week itself), and how many
# weeks of data a comparison needs.
WINDOWS = {"recent": (0, WINDOW), "previous": (WINDOW, 2 * WINDOW), "year_ago": (52, 52 + WINDOW)}
NEEDED = {"previous": WINDOW * 2, "year_ago": WINDOW + 52}
SPAN = WINDOW * 2 + 52


def growth_table(frame: pd.DataFrame, end, metric: str = "new") -> pd.DataFrame:
    """Return growth for every key of a weekly frame (``key, week, <metric>``) at ``end``.

    Columns: ``key``, then per comparison ``<c>_recent``, ``<c>_earlier``, ``<c>_change_pct``,
    ``<c>_lower_pct``, ``<c>_upper_pct``, ``<c>_method``, ``<c>_suppressed``.
    """
    end = pd.Timestamp(end)
    keys = sorted(frame["key"].unique()) if not frame.empty else []
    if not keys:
        return pd.DataFrame({"key": keys})
    matrix, first = _week_matrix(frame, end, metric, keys)
    sums = {}
    for window, (back, stop) in WINDOWS.items():
        block = matrix[:, SPAN - stop : SPAN - back]
        sums[f"{window}_sum"], sums[f"{window}_sq"] = window_sums(block)
    weeks_seen = (end - first).days // 7 + 1
    return growth_from_sums(keys, sums, np.asarray(weeks_seen))


def growth_from_sums(keys, sums: dict, weeks_seen: np.ndarray) -> pd.DataFrame:
    """Return ``growth_table`` columns from each key's window sums and weeks of data.

    ``sums`` holds ``<window>_sum`` and ``<window>_sq`` for the windows of ``WINDOWS``;
    ``weeks_seen`` counts the weeks from a key's first week to ``end``.
    """
    table = pd.DataFrame({"key": list(keys)})
    for name, values in _objects(growth_arrays(sums, weeks_seen)).items():
        table[name] = pd.Series(values, dtype=object)
    return table


def growth_arrays(sums: dict, weeks_seen: np.ndarray) -> dict[str, np.ndarray]:
    """Return the columns of ``growth_from_sums`` (but ``key``) as ``compare_arrays`` does."""
    weeks_seen = np.asarray(weeks_seen)
    out = {}
    for name in COMPARISONS:
        columns = compare_arrays(
            sums["recent_sum"], sums["recent_sq"], sums[f"{name}_sum"], sums[f"{name}_sq"]
        )
        short = weeks_seen < NEEDED[name]
        for field in FIELDS:
            columns[field][short] = None if columns[field].dtype == object else np.nan
        columns["suppressed"][short] = _messages(weeks_seen[short], _SHORT, NEEDED[name])
        out.update((f"{name}_{field}", columns[field]) for field in FIELDS)
    return out


def _week_matrix(frame: pd.DataFrame, end: pd.Timestamp, metric: str, keys: list):
    """Return a dense (key x week) matrix of the 78 weeks to ``end`` and each key's first week."""
    row = pd.Index(keys).get_indexer(frame["key"])
    weeks = pd.to_datetime(frame["week"])
    col = (weeks - end).dt.days.to_numpy() // 7 + SPAN - 1
    inside = (col >= 0) & (col < SPAN)
    matrix = np.zeros((len(keys), SPAN))
    np.add.at(matrix, (row[inside], col[inside]), frame[metric].to_numpy(dtype=float)[inside])
    first = weeks.groupby(row).min().reindex(range(len(keys)))
    return matrix, pd.DatetimeIndex(first.to_numpy())


def _too_short(comparison: str, weeks_seen: int, needed: int) -> Growth:
    reason = _SHORT.format(weeks_seen, needed)
    return Growth(comparison, None, None, None, None, None, None, reason)


def growth_for(series: pd.Series, end=None) -> dict[str, Growth]:
    """Return both comparisons for one gap-free weekly series (index: week Mondays)."""
    end = series.index.max() if end is None else pd.Timestamp(end)
    frame = pd.DataFrame({"key": "x", "week": series.index, "new": series.to_numpy()})
    table = growth_table(frame, end, "new")
    if table.empty:
        return {c: _too_short(c, 0, NEEDED[c]) for c in COMPARISONS}
    row = table.iloc[0]
    return {c: Growth(c, *(row[f"{c}_{f}"] for f in FIELDS)) for c in COMPARISONS}
