"""BLS Employment Projections 2024-34: Table 1.2 (projections) joined with Table 1.10 (openings).

Counts are converted from the published thousands to jobs. Codes are National Employment
Matrix codes: SOC 2018 codes plus a few aggregates (e.g. 31-1120, 51-2028); use
``jobatlas.reference.matching.CodeResolver`` to find the row for a detailed SOC code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jobatlas.reference.checks import (
    ReferenceDataError,
    parse_codes,
    require_columns,
    require_rows,
    to_number,
)
from jobatlas.reference.files import read_csv
from jobatlas.soc import parse_soc

TABLE_1_2 = "projections/ep_table_1_2_occupational_projections_2024-34.csv"
TABLE_1_10 = "projections/ep_table_1_10_separations_openings_2024-34.csv"
TITLE = "2024 National Employment Matrix title"
CODE = "2024 National Employment Matrix code"
ALL_OCCUPATIONS = "00-0000"
NOT_APPLICABLE = ("", "—", "-")
# "Median annual wage" prints top-coded wages as ">=$239200".
TOP_CODED_WAGE_PREFIX = ">=$"

# Published column -> (our column, multiplier to convert thousands to jobs).
TABLE_1_2_NUMBERS = {
    "Employment, 2024": ("employment_2024", 1000),
    "Employment, 2034": ("employment_2034", 1000),
    "Employment change, numeric, 2024-34": ("change", 1000),
    "Employment change, percent, 2024-34": ("change_pct", 1),
    "Percent self employed, 2024": ("self_employed_pct", 1),
    "Occupational openings, 2024-34 annual average": ("openings", 1000),
}
TABLE_1_2_TEXT = {
    "Typical education needed for entry": "education",
    "Work experience in a related occupation": "work_experience",
    "Typical on-the-job training needed to attain competency in the occupation": "training",
}
MEDIAN_WAGE = "Median annual wage, dollars, 2024[1]"
TABLE_1_10_NUMBERS = {
    "Labor force exit rate, 2024-34 annual average": "exit_rate",
    "Occupational transfer rate, 2024-34 annual average": "transfer_rate",
    "Total occupational separations rate, 2024-34 annual average": "separations_rate",
}


def _codes(frame: pd.DataFrame, source: str) -> pd.Series:
    codes = frame[CODE].str.strip()
    total = codes == ALL_OCCUPATIONS
    codes[~total] = parse_codes(frame[~total], CODE, source, parse_soc)
    return codes


def _read(data_dir: Path, relative: str, columns) -> tuple[pd.DataFrame, str]:
    source = f"{relative} ({Path(data_dir) / relative})"
    frame = read_csv(relative, data_dir)
    require_columns(frame, (TITLE, CODE, "Occupation type", *columns), source)
    require_rows(frame, source)
    return frame, source


def load_projections(data_dir: Path) -> pd.DataFrame:
    """Return projections indexed by ``soc`` (National Employment Matrix code).

    Columns: ``title``, ``occupation_type`` (Line item / Summary), ``employment_2024``,
    ``employment_2034``, ``change``, ``change_pct``, ``self_employed_pct``, ``openings``
    (annual average), ``median_wage`` (annual, dollars; top-coded wages hold the bound and
    ``median_wage_top_coded`` is True), ``education``, ``work_experience``, ``training``
    ("" when not applicable) and the Table 1.10 ``exit_rate``, ``transfer_rate``,
    ``separations_rate`` (percent per year).
    """
    columns = (*TABLE_1_2_NUMBERS, *TABLE_1_2_TEXT, MEDIAN_WAGE)
    frame, source = _read(data_dir, TABLE_1_2, columns)
    table = pd.DataFrame({"soc": _codes(frame, source), "title": frame[TITLE].str.strip(),
                          "occupation_type": frame["Occupation type"].str.strip()})
    for column, (name, scale) in TABLE_1_2_NUMBERS.items():
        table[name] = (to_number(frame, column, source, NOT_APPLICABLE) * scale).round(1)
    wage = frame[MEDIAN_WAGE].str.strip()
    top = wage.str.startswith(TOP_CODED_WAGE_PREFIX)
    table["median_wage"] = to_number(
        frame.assign(**{MEDIAN_WAGE: wage.str.removeprefix(TOP_CODED_WAGE_PREFIX)}),
        MEDIAN_WAGE, source, NOT_APPLICABLE,
    )
    table["median_wage_top_coded"] = top
    for column, name in TABLE_1_2_TEXT.items():
        text = frame[column].str.strip()
        table[name] = text.mask(text.isin(NOT_APPLICABLE), "")
    if table["soc"].duplicated().any():
        raise ReferenceDataError(f"{source}: code {table['soc'][table['soc'].duplicated()].iloc[0]}"
                                 " appears twice")
    rates = _load_rates(data_dir)
    return table.set_index("soc").join(rates)


def _load_rates(data_dir: Path) -> pd.DataFrame:
    frame, source = _read(data_dir, TABLE_1_10, TABLE_1_10_NUMBERS)
    rates = pd.DataFrame({"soc": _codes(frame, source)})
    for column, name in TABLE_1_10_NUMBERS.items():
        rates[name] = to_number(frame, column, source, NOT_APPLICABLE)
    return rates.set_index("soc")
