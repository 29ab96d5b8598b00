"""Find the row for a SOC occupation in tables (OEWS, projections) that publish aggregates.

OEWS and the BLS projections publish a few occupations only as an aggregate: an OEWS-only
code such as 51-2028 (covering 51-2022 and 51-2023) or the broad group such as 31-1120
(covering 31-1121 and 31-1122). ``CodeResolver`` lists, for a detailed SOC code, the codes to
try in order and says which kind of match each one is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from jobatlas.soc import parse_soc, soc_level, soc_levels


@dataclass(frozen=True)
class CodeMatch:
    """The code found for a requested SOC and how it relates to it."""

    requested: str
    code: str
    match: str  # "exact", "aggregate" (an OEWS/EP-only code) or "broad"


class CodeResolver:
    """Map SOC codes to the codes a table publishes, falling back to aggregates and broad groups.

    ``codes`` are the codes the table has; ``soc_detailed`` the SOC 2018 detailed codes, so
    that a table code which looks detailed but is not a SOC occupation counts as an aggregate.
    """

    def __init__(self, codes: Iterable[str], soc_detailed: Collection[str]):
        self.codes = frozenset(codes)
        self.aggregates: dict[str, list[str]] = defaultdict(list)
        # Without the SOC list no code can be told apart from a sibling occupation.
        for code in sorted(self.codes) if soc_detailed else ():
            if code not in soc_detailed and _is_detailed_form(code):
                self.aggregates[soc_levels(code)["broad"]].append(code)

    def candidates(self, soc: str) -> list[CodeMatch]:
        """Return the codes to try for ``soc``, best first (only codes the table has)."""
        code = parse_soc(soc)
        found = [CodeMatch(code, code, "exact")] if code in self.codes else []
        broad = soc_levels(code)["broad"]
        if soc_level(code) == "detailed":
            found += [CodeMatch(code, agg, "aggregate") for agg in self.aggregates.get(broad, [])
                      if agg != code]
            if broad in self.codes:
                found.append(CodeMatch(code, broad, "broad"))
        return found

    def resolve(self, soc: str, has: Callable[[str], bool] | None = None) -> CodeMatch | None:
        """Return the first candidate for ``soc`` that ``has`` accepts (default: any), or None."""
        for candidate in self.candidates(soc):
            if has is None or has(candidate.code):
                return candidate
        return None


def _is_detailed_form(code: str) -> bool:
    try:
        return soc_level(code) == "detailed"
    except ValueError:
        return False
