"""Validate raw reference tables: columns present, codes parse, numbers numeric."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from jobatlas.soc import InvalidSocCode


class ReferenceDataError(ValueError):
    """A reference file that does not have the shape or values jobatlas relies on."""


def require_columns(frame: pd.DataFrame, columns: Iterable[str], source: str) -> None:
    """Raise ``ReferenceDataError`` naming ``source`` and every required column it lacks."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ReferenceDataError(
            f"{source}: missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"found {', '.join(repr(c) for c in frame.columns)}"
        )


def require_rows(frame: pd.DataFrame, source: str, minimum: int = 1) -> None:
    """Raise ``ReferenceDataError`` when ``frame`` has fewer than ``minimum`` rows."""
    if len(frame) < minimum:
        raise ReferenceDataError(f"{source}: {len(frame)} rows, expected at least {minimum}")


def parse_codes(
    frame: pd.DataFrame, column: str, source: str, parser: Callable[[str], str]
) -> pd.Series:
    """Return ``column`` with every code normalized by ``parser``; name the first bad row."""
    values = frame[column].astype(str)
    unique = values.unique()
    try:
        mapping = {value: parser(value) for value in unique}
    except InvalidSocCode as exc:
        bad = next(value for value in unique if not _parses(parser, value))
        row = _row_number(values, (values == bad).to_numpy())
        raise ReferenceDataError(f"{source}: column {column!r}, row {row}: {exc}") from exc
    return values.map(mapping)


def _row_number(values: pd.Series, mask) -> int:
    """Return the 1-based data row of the first True in ``mask`` (index labels are rows)."""
    label = values.index[int(mask.argmax())]
    return int(label) + 1 if isinstance(label, int | np.integer) else int(mask.argmax()) + 1


def _parses(parser: Callable[[str], str], value: str) -> bool:
    try:
        parser(value)
    except InvalidSocCode:
        return False
    return True


def to_number(
    frame: pd.DataFrame,
    column: str,
    source: str,
    missing: Iterable[str] = ("",),
    dtype: str = "float64",
) -> pd.Series:
    """Return ``column`` as numbers; ``missing`` markers become NaN, anything else must parse."""
    return to_numbers(frame[column], column, source, missing, dtype)


def to_numbers(
    values: pd.Series,
    column: str,
    source: str,
    missing: Iterable[str] = ("",),
    dtype: str = "float64",
) -> pd.Series:
    """Return ``values`` (a column named ``column``) as numbers, as ``to_number`` does."""
    text = values.astype(str).str.strip().str.replace(",", "", regex=False)
    text = text.mask(text.isin(list(missing)))
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() & text.notna()
    if bad.any():
        first = int(bad.to_numpy().argmax())
        raise ReferenceDataError(
            f"{source}: column {column!r}, row {_row_number(text, bad.to_numpy())}: "
            f"{text.iloc[first]!r} is not a number"
        )
    return numbers.astype(dtype)


def to_flag(frame: pd.DataFrame, column: str, source: str) -> pd.Series:
    """Return a Y/N (or x/blank) column as booleans."""
    text = frame[column].astype(str).str.strip().str.upper()
    unknown = ~text.isin(["Y", "N", "X", ""])
    if unknown.any():
        first = int(unknown.to_numpy().argmax())
        raise ReferenceDataError(
            f"{source}: column {column!r}, row {_row_number(text, unknown.to_numpy())}: "
            f"{text.iloc[first]!r} is not Y/N"
        )
    return text.isin(["Y", "X"])
