"""Reference data: O*NET, SOC 2018, OEWS wages, BLS projections and geography."""

from jobatlas.reference.checks import ReferenceDataError
from jobatlas.reference.files import read_csv, read_onet_table
from jobatlas.reference.loader import (
    ReferenceData,
    build_reference,
    clear_reference_cache,
    load_reference,
)
from jobatlas.reference.matching import CodeMatch, CodeResolver
from jobatlas.reference.wages import Wage, WageTable

__all__ = [
    "CodeMatch",
    "CodeResolver",
    "ReferenceData",
    "ReferenceDataError",
    "Wage",
    "WageTable",
    "build_reference",
    "clear_reference_cache",
    "load_reference",
    "read_csv",
    "read_onet_table",
]
