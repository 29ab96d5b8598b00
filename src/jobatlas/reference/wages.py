"""OEWS May 2025 wages and employment (national, state, metropolitan area).

BLS markers: ``-``, ``*``, ``**`` and ``~`` mean not available and become missing values. A
top-coded wage (footnote 5 in ``FOOTNOTES``, or ``#`` in BLS flat files) is at least the
top-code bound, so it is stored as the bound and the field is named in ``Wage.top_coded``.
Metropolitan areas use AREA = "00" + CBSA code.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jobatlas.reference.checks import ReferenceDataError, parse_codes, require_columns, to_numbers
from jobatlas.reference.files import read_csv
from jobatlas.reference.matching import CodeMatch, CodeResolver
from jobatlas.reference.states import find_state
from jobatlas.soc import parse_soc

NATIONAL = "oews/oews_may2025_national.csv"
STATE = "oews/oews_may2025_state.csv"
METRO = "oews/oews_may2025_metro_nonmetro.csv"
NATIONAL_AREA = "0000000"
ALL_OCCUPATIONS = "00-0000"

# Top-code bounds of the May 2025 estimates (BLS: ">= $115.00 per hour or $239,200 per year").
HOURLY_TOP_CODE = 115.0
ANNUAL_TOP_CODE = 239_200.0
MISSING_MARKERS = ("", "-", "*", "**", "~")
TOP_CODE_MARKER = "#"
_FOOTNOTE_5 = re.compile(r"([A-Z0-9_]+):5\b")

# OEWS column -> our field name.
NUMBER_FIELDS = {
    "TOT_EMP": "employment",
    "H_MEAN": "hourly_mean",
    "A_MEAN": "annual_mean",
    "H_PCT10": "hourly_pct10",
    "H_PCT25": "hourly_pct25",
    "H_MEDIAN": "hourly_median",
    "H_PCT75": "hourly_pct75",
    "H_PCT90": "hourly_pct90",
    "A_PCT10": "annual_pct10",
    "A_PCT25": "annual_pct25",
    "A_MEDIAN": "annual_median",
    "A_PCT75": "annual_pct75",
    "A_PCT90": "annual_pct90",
    "LOC_QUOTIENT": "location_quotient",
}
TEXT_COLUMNS = ("AREA", "AREA_TITLE", "OCC_CODE", "OCC_TITLE", "O_GROUP", "FOOTNOTES")


@dataclass(frozen=True)
class Wage:
    """OEWS estimates for one occupation in one area (None where BLS publishes no value)."""

    soc: str  # the OEWS code of the row used (see ``match``)
    title: str
    area: str
    area_title: str
    match: str  # "exact", "aggregate" or "broad": how ``soc`` relates to the requested code
    requested: str
    employment: float | None
    hourly_median: float | None
    annual_median: float | None
    hourly_pct10: float | None
    hourly_pct90: float | None
    annual_pct10: float | None
    annual_pct90: float | None
    hourly_mean: float | None
    annual_mean: float | None
    hourly_pct25: float | None = None
    hourly_pct75: float | None = None
    annual_pct25: float | None = None
    annual_pct75: float | None = None
    location_quotient: float | None = None
    top_coded: frozenset[str] = frozenset()  # fields whose value is the top-code lower bound


def parse_oews(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Return an OEWS all-data style table as typed columns (one row per area and occupation)."""
    require_columns(frame, (*TEXT_COLUMNS, *NUMBER_FIELDS), source)
    codes = frame["OCC_CODE"].str.strip()
    is_total = codes == ALL_OCCUPATIONS
    parsed = codes.copy()
    parsed[~is_total] = parse_codes(frame[~is_total], "OCC_CODE", source, parse_soc)
    wages = pd.DataFrame(
        {
            "area": frame["AREA"].str.strip(),
            "area_title": frame["AREA_TITLE"].str.strip(),
            "code": parsed,
            "title": frame["OCC_TITLE"].str.strip(),
            "o_group": frame["O_GROUP"].str.strip(),
        }
    )
    top = _top_coded_mask(frame)
    for column, field_name in NUMBER_FIELDS.items():
        is_top = top[column]
        raw = frame[column].astype(str).str.strip().mask(is_top, "")
        values = to_numbers(raw, column, source, MISSING_MARKERS)
        bound = HOURLY_TOP_CODE if column.startswith("H_") else ANNUAL_TOP_CODE
        wages[field_name] = values.mask(is_top, bound)
    names = np.array(list(NUMBER_FIELDS.values()), dtype=object)
    flags = top.to_numpy()
    labels = np.full(len(flags), "", dtype=object)
    for i in np.flatnonzero(flags.any(axis=1)):
        labels[i] = ";".join(names[flags[i]])
    wages["top_coded"] = labels
    if wages.duplicated(["area", "code"]).any():
        raise ReferenceDataError(f"{source}: an AREA and OCC_CODE pair appears twice")
    return wages


def _top_coded_mask(frame: pd.DataFrame) -> pd.DataFrame:
    """Return which wage cells are top-coded: ``#`` in the cell or footnote 5 in FOOTNOTES."""
    columns = list(NUMBER_FIELDS)
    flags = np.column_stack(
        [frame[column].astype(str).str.strip().to_numpy() == TOP_CODE_MARKER for column in columns]
    )
    notes = frame["FOOTNOTES"].astype(str)
    flagged = notes.str.contains(":5", regex=False).to_numpy()
    position = {column: j for j, column in enumerate(columns)}
    for i in np.flatnonzero(flagged):
        for name in _FOOTNOTE_5.findall(notes.iloc[i]):
            if name in position:
                flags[i, position[name]] = True
    # Only wages are top-coded; employment and location quotients have no bound.
    flags[:, [j for j, column in enumerate(columns) if column[:2] not in ("H_", "A_")]] = False
    return pd.DataFrame(flags, index=frame.index, columns=columns)


def load_oews(data_dir: Path, relative: str) -> pd.DataFrame:
    """Read and type one shipped OEWS file (``NATIONAL``, ``STATE`` or ``METRO``)."""
    source = f"{relative} ({Path(data_dir) / relative})"
    return parse_oews(read_csv(relative, data_dir), source)


class _Rows:
    """Fast (area, code) -> Wage lookups over one typed OEWS frame."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame.reset_index(drop=True)
        # tolist(): iterating Arrow-backed string columns element by element is slow.
        keys = zip(self.frame["area"].tolist(), self.frame["code"].tolist(), strict=True)
        self.positions = {key: i for i, key in enumerate(keys)}
        self.numbers = self.frame[list(NUMBER_FIELDS.values())].to_numpy(dtype=float)

    def has(self, area: str, code: str) -> bool:
        return (area, code) in self.positions

    def wage(self, area: str, found: CodeMatch) -> Wage:
        i = self.positions[(area, found.code)]
        row = self.frame.iloc[i]
        numbers = {
            name: (None if math.isnan(value) else float(value))
            for name, value in zip(NUMBER_FIELDS.values(), self.numbers[i], strict=True)
        }
        top = frozenset(name for name in str(row["top_coded"]).split(";") if name)
        return Wage(
            soc=found.code, title=row["title"], area=area, area_title=row["area_title"],
            match=found.match, requested=found.requested, top_coded=top, **numbers,
        )


class WageTable:
    """OEWS wages by occupation for the nation, states and metropolitan areas.

    ``metro`` data is large, so it is read on first use through ``load_metro``. Lookups take a
    SOC or O*NET-SOC code and fall back to the OEWS aggregate or broad group that contains it;
    ``Wage.match`` says which was used.
    """

    def __init__(
        self,
        national: pd.DataFrame,
        state: pd.DataFrame,
        load_metro: Callable[[], pd.DataFrame],
        soc_detailed: Collection[str] = (),
    ):
        self._national = _Rows(national)
        self._state = _Rows(state)
        self._load_metro = load_metro
        self._metro: _Rows | None = None
        self._lock = threading.Lock()
        codes = set(national["code"]) | set(state["code"])
        self.resolver = CodeResolver(codes - {ALL_OCCUPATIONS}, soc_detailed)

    @property
    def national_frame(self) -> pd.DataFrame:
        """Return the typed national table."""
        return self._national.frame

    @property
    def state_frame(self) -> pd.DataFrame:
        """Return the typed state table (AREA = state FIPS + "00000")."""
        return self._state.frame

    @property
    def metro_frame(self) -> pd.DataFrame:
        """Return the typed metropolitan and nonmetropolitan table (read on first use)."""
        return self._metro_rows().frame

    def _metro_rows(self) -> _Rows:
        with self._lock:
            if self._metro is None:
                self._metro = _Rows(self._load_metro())
            return self._metro

    def _find(self, rows: _Rows, area: str, soc: str) -> Wage | None:
        found = self.resolver.resolve(soc, lambda code: rows.has(area, code))
        return None if found is None else rows.wage(area, found)

    def national(self, soc: str) -> Wage | None:
        """Return national estimates for ``soc`` or None when OEWS has none."""
        return self._find(self._national, NATIONAL_AREA, soc)

    def state(self, soc: str, state: str) -> Wage | None:
        """Return estimates for ``soc`` in ``state`` (USPS abbreviation, FIPS code or name)."""
        found = find_state(state)
        if found is None:
            raise ValueError(f"unknown state {state!r}: use a USPS abbreviation such as 'CA'")
        return self._find(self._state, f"{found.fips}00000", soc)

    def metro(self, soc: str, cbsa: str) -> Wage | None:
        """Return estimates for ``soc`` in the metropolitan area with CBSA code ``cbsa``."""
        code = str(cbsa).strip()
        if not (code.isdigit() and len(code) == 5):
            raise ValueError(f"CBSA code must be 5 digits, got {cbsa!r}")
        return self._find(self._metro_rows(), f"00{code}", soc)
