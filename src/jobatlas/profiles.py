"""The occupation profile: everything jobatlas shows about one occupation, ready for JSON.

``occupation_profile(ref, code, location)`` gathers O*NET (description, tasks, skills,
knowledge, software, tools, job zone, education, related occupations), OEWS wages (national
and, given a location, the metro area or state) and the BLS 2024-34 outlook. Small helpers
(``job_zone_info``, ``outlook_for``, ``wages_for``) are shared with ``jobatlas.recommend``.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from jobatlas.reference.wages import Wage
from jobatlas.skills import credentials_for
from jobatlas.soc import InvalidSocCode, parse_onet_soc, parse_soc

__all__ = [
    "JOB_ZONE_PLAIN",
    "JobZoneInfo",
    "OccupationProfile",
    "Outlook",
    "UnknownOccupation",
    "WageSummary",
    "get_occupation_or_none",
    "job_zone_info",
    "occupation_profile",
    "onet_url",
    "outlook_for",
    "outlook_words",
    "plain",
    "resolve_code",
    "wages_for",
]

ONET_URL = "https://www.onetonline.org/link/summary/{code}"
TOP_TASKS = 10
TOP_RATINGS = 10
TOP_TECHNOLOGY = 15
TOP_TOOLS = 15
TOP_RELATED = 10

# What each Job Zone usually means for a worker, in one line (from the O*NET Job Zone
# definitions: education, related experience and on-the-job training).
JOB_ZONE_PLAIN = {
    1: "Often no diploma needed; a few days to a few months of training on the job.",
    2: "Usually a high school diploma; a few months to a year of on-the-job training.",
    3: "Usually vocational training, an associate's degree or a license; one to two years "
    "of training or experience.",
    4: "Usually a bachelor's degree and several years of related experience.",
    5: "Usually a graduate degree (master's, doctorate, law or medical degree) and extensive "
    "experience.",
}

# BLS Occupational Outlook Handbook wording for the projected 10-year change in employment,
# by the percent change rounded to a whole number (2024-34 average for all occupations: 3%).
_OUTLOOK_WORDS = (
    (8, "Much faster than average"),
    (5, "Faster than average"),
    (2, "As fast as average"),
    (1, "Slower than average"),
    (-1, "Little or no change"),
)
_DECLINE = "Decline"


_MAX_MEMO = 200_000
_TABLES = ("tasks", "skills", "knowledge", "technology_skills", "tools", "related", "education")


class CodeRows:
    """Row positions of each occupation in the O*NET tables, so a profile needs no table scans."""

    def __init__(self, ref):
        self._positions = {
            name: getattr(ref, name).groupby("code", sort=False).indices for name in _TABLES
        }
        tools = ref.tools.drop_duplicates(["code", "example"])
        self.tool_spread: dict[str, int] = tools["example"].value_counts().to_dict()
        self.profiles: dict[str, OccupationProfile] = {}
        self._local_wages: dict[tuple, WageSummary | None] = {}

    def local_wage(self, ref, soc: str, location) -> WageSummary | None:
        """Return ``local_wage`` memoized per (SOC, metro, state): OEWS rows never change."""
        if location is None:
            return None
        key = (soc, getattr(location, "cbsa", None), getattr(location, "state", None))
        if key not in self._local_wages:
            if len(self._local_wages) >= _MAX_MEMO:
                self._local_wages.clear()
            self._local_wages[key] = local_wage(ref, soc, location)
        return self._local_wages[key]

    def rows(self, ref, name: str, code: str) -> pd.DataFrame:
        """Return the rows of table ``name`` for ``code`` (empty when it has none)."""
        table = getattr(ref, name)
        positions = self._positions[name].get(code)
        return table.iloc[positions] if positions is not None else table.iloc[:0]


_CACHE: dict[tuple[int, str], tuple[weakref.ref, object]] = {}
_CACHE_LOCK = threading.Lock()


def per_reference(ref, kind: str, build: Callable[[object], object]):
    """Return ``build(ref)``, computed once per live ``ReferenceData`` and ``kind``.

    Derived, read-only lookups only: the entry is dropped when ``ref`` is garbage collected.
    """
    key = (id(ref), kind)
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is not None and entry[0]() is ref:
            return entry[1]
        value = build(ref)
        _CACHE[key] = (weakref.ref(ref, lambda _: _CACHE.pop(key, None)), value)
        return value


def code_rows(ref) -> CodeRows:
    """Return the ``CodeRows`` of ``ref`` (built on first use)."""
    return per_reference(ref, "profiles.CodeRows", CodeRows)


class UnknownOccupation(LookupError):
    """A code that is malformed or names no O*NET occupation; the message says which."""


@dataclass(frozen=True)
class JobZoneInfo:
    """How much preparation an occupation needs, in O*NET's words and in plain words."""

    zone: int
    name: str  # "Some preparation needed"
    plain: str  # one line for a worker
    education: str  # O*NET's description of the usual education
    experience: str
    training: str


@dataclass(frozen=True)
class WageSummary:
    """Median pay (OEWS May 2025) for one area; ``match`` says if an aggregate was used."""

    area: str
    area_title: str
    level: str  # "national", "state" or "metro"
    hourly_median: float | None
    annual_median: float | None
    hourly_pct10: float | None
    hourly_pct90: float | None
    employment: float | None
    match: str  # "exact", "aggregate" or "broad"
    wage_code: str


@dataclass(frozen=True)
class Outlook:
    """BLS employment projections 2024-34 for an occupation."""

    change_pct: float | None
    words: str | None  # "Much faster than average", ...
    annual_openings: float | None
    employment_2024: float | None
    employment_2034: float | None
    median_wage_2024: float | None
    education: str | None  # BLS typical education needed for entry
    work_experience: str | None
    training: str | None  # BLS typical on-the-job training
    projection_code: str
    match: str


@dataclass(frozen=True)
class Rating:
    """An O*NET skill or knowledge area with its importance (1-5) and level (0-7)."""

    name: str
    importance: float
    level: float


@dataclass(frozen=True)
class TechnologyItem:
    """A piece of software used in the occupation."""

    name: str
    category: str
    hot: bool
    in_demand: bool


@dataclass(frozen=True)
class ToolItem:
    """A tool or piece of equipment used in the occupation."""

    name: str
    category: str


@dataclass(frozen=True)
class RelatedOccupation:
    """An occupation O*NET lists as related, with its relatedness tier."""

    code: str
    title: str
    tier: str
    job_zone: int | None


@dataclass(frozen=True)
class OccupationProfile:
    """Everything shown about one occupation; ``to_dict`` gives plain JSON-ready data."""

    code: str
    soc: str
    title: str
    description: str
    onet_url: str
    job_zone: JobZoneInfo | None
    typical_education: str | None  # O*NET: the education level most workers report
    tasks: list[str]
    skills: list[Rating]
    knowledge: list[Rating]
    technology: list[TechnologyItem]
    tools: list[ToolItem]
    credentials: list[str]
    wages: dict[str, WageSummary | None]  # "national", "local"
    outlook: Outlook | None
    related: list[RelatedOccupation]
    location: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as nested dicts and lists of JSON types."""
        return plain(self)


_IMMUTABLE = (str, int, float, bool, type(None))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def plain(value: Any) -> Any:
    """Return ``value`` as ``dataclasses.asdict`` would, for dataclasses nested in lists and dicts.

    The same result, several times faster: results are converted on every request, and
    ``asdict`` deep-copies every string and number it meets.
    """
    kind = type(value)
    if kind in _IMMUTABLE:
        return value
    names = _FIELD_NAMES.get(kind)
    if names is None and dataclasses.is_dataclass(kind):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if kind is list:
        return [plain(item) for item in value]
    if kind is dict:
        return {plain(key): plain(item) for key, item in value.items()}
    if kind is tuple:
        return tuple(plain(item) for item in value)
    # Anything else (namedtuples, subclasses, mutable leaves): exactly what ``asdict`` does.
    return dataclasses.asdict(_Holder(value))["value"]


@dataclass(frozen=True)
class _Holder:
    value: Any


def onet_url(code: str) -> str:
    """Return the O*NET OnLine summary page of an O*NET-SOC code."""
    return ONET_URL.format(code=code)


def resolve_code(ref, code: str) -> str:
    """Return the O*NET-SOC code in ``ref`` that ``code`` names; raise ``UnknownOccupation``.

    A bare SOC code (``53-3032``) names its ``.00`` occupation, or its first O*NET occupation
    when O*NET splits the SOC code without a ``.00`` row.
    """
    try:
        onet_code = parse_onet_soc(code)
    except InvalidSocCode as exc:
        raise UnknownOccupation(str(exc)) from None
    occupations = ref.occupations
    if onet_code in occupations.index:
        return onet_code
    soc = parse_soc(code)
    if "." not in str(code):
        same_soc = occupations.index[occupations["soc"] == soc]
        if len(same_soc):
            return str(same_soc[0])
    raise UnknownOccupation(f"{code!r} is a valid code but no O*NET occupation has it")


def get_occupation_or_none(ref, code: str) -> pd.Series | None:
    """Return the ``ref.occupations`` row for ``code``, or None if it is malformed or unknown."""
    try:
        return ref.occupations.loc[resolve_code(ref, code)]
    except UnknownOccupation:
        return None


def occupation_profile(ref, code: str, location=None) -> OccupationProfile:
    """Return the profile of one occupation; ``location`` (a ``geo.Location``) adds local pay."""
    code = resolve_code(ref, code)
    parts = code_rows(ref)
    base = parts.profiles.get(code)
    if base is None:
        # What does not depend on the place is the same on every request: build it once.
        base = parts.profiles.setdefault(code, _base_profile(ref, parts, code))
    local = parts.local_wage(ref, base.soc, location)
    return dataclasses.replace(
        base,
        tasks=list(base.tasks), skills=list(base.skills), knowledge=list(base.knowledge),
        technology=list(base.technology), tools=list(base.tools),
        credentials=list(base.credentials), related=list(base.related),
        wages={"national": base.wages["national"], "local": local},
        location=location_dict(location),
    )


def _base_profile(ref, parts: CodeRows, code: str) -> OccupationProfile:
    row = ref.occupations.loc[code]
    soc = str(row["soc"])
    return OccupationProfile(
        code=code,
        soc=soc,
        title=str(row["title"]),
        description=str(row["description"]),
        onet_url=onet_url(code),
        job_zone=job_zone_info(ref, _optional_int(row["job_zone"])),
        typical_education=_typical_education(parts.rows(ref, "education", code)),
        tasks=_tasks(parts.rows(ref, "tasks", code)),
        skills=_ratings(parts.rows(ref, "skills", code)),
        knowledge=_ratings(parts.rows(ref, "knowledge", code)),
        technology=_technology(parts.rows(ref, "technology_skills", code)),
        tools=_tools(parts.rows(ref, "tools", code), parts.tool_spread, len(ref.occupations)),
        credentials=[credential.name for credential in credentials_for(soc)],
        wages={"national": wage_summary(ref.wages.national(soc), "national"), "local": None},
        outlook=outlook_for(ref, soc),
        related=_related(ref, parts.rows(ref, "related", code)),
    )


def job_zone_info(ref, zone: int | None) -> JobZoneInfo | None:
    """Return the Job Zone definition in O*NET's words and in plain words, or None."""
    if zone is None:
        return None
    definition = ref.job_zone_reference.loc[zone]
    name = str(definition["name"]).partition(":")[2].strip() or str(definition["name"])
    return JobZoneInfo(
        zone=zone,
        name=name[:1].upper() + name[1:].lower(),
        plain=JOB_ZONE_PLAIN[zone],
        education=str(definition["education"]),
        experience=str(definition["experience"]),
        training=str(definition["job_training"]),
    )


def outlook_words(change_pct: float | None) -> str | None:
    """Return the BLS words for a projected 10-year percent change in employment."""
    if change_pct is None or math.isnan(change_pct):
        return None
    rounded = round(change_pct)
    for threshold, words in _OUTLOOK_WORDS:
        if rounded >= threshold:
            return words
    return _DECLINE


def outlook_for(ref, soc: str) -> Outlook | None:
    """Return the BLS 2024-34 projections for a SOC code (or the aggregate containing it)."""
    found = ref.projection(soc)
    if found is None:
        return None
    row, match = found
    change = _optional_float(row["change_pct"])
    return Outlook(
        change_pct=change,
        words=outlook_words(change),
        annual_openings=_optional_float(row["openings"]),
        employment_2024=_optional_float(row["employment_2024"]),
        employment_2034=_optional_float(row["employment_2034"]),
        median_wage_2024=_optional_float(row["median_wage"]),
        education=_optional_text(row["education"]),
        work_experience=_optional_text(row["work_experience"]),
        training=_optional_text(row["training"]),
        projection_code=match.code,
        match=match.match,
    )


def wages_for(ref, soc: str, location=None) -> dict[str, WageSummary | None]:
    """Return national pay and local pay (metro area, else state) for a SOC code."""
    return {"national": wage_summary(ref.wages.national(soc), "national"),
            "local": local_wage(ref, soc, location)}


def local_wage(ref, soc: str, location) -> WageSummary | None:
    """Return pay in the location's metro area, falling back to its state; None if unknown."""
    if location is None:
        return None
    cbsa = getattr(location, "cbsa", None)
    if cbsa:
        wage = ref.wages.metro(soc, cbsa)
        if wage is not None and (wage.annual_median or wage.hourly_median):
            return wage_summary(wage, "metro")
    state = getattr(location, "state", None)
    if state:
        return wage_summary(ref.wages.state(soc, state), "state")
    return None


def wage_summary(wage: Wage | None, level: str) -> WageSummary | None:
    """Return the parts of an OEWS ``Wage`` that pages show."""
    if wage is None:
        return None
    return WageSummary(
        area=wage.area,
        area_title=wage.area_title,
        level=level,
        hourly_median=wage.hourly_median,
        annual_median=wage.annual_median,
        hourly_pct10=wage.hourly_pct10,
        hourly_pct90=wage.hourly_pct90,
        employment=wage.employment,
        match=wage.match,
        wage_code=wage.soc,
    )


def location_dict(location) -> dict[str, Any] | None:
    """Return a ``geo.Location`` (or any object with its fields) as a plain dict."""
    if location is None:
        return None
    if dataclasses.is_dataclass(location):
        return plain(location)
    names = ("label", "zip", "lat", "lon", "cbsa", "cbsa_name", "state")
    return {name: getattr(location, name, None) for name in names}


def _tasks(tasks: pd.DataFrame) -> list[str]:
    # O*NET's task ratings are not shipped; core tasks come first, in O*NET's order.
    order = tasks.assign(core=tasks["task_type"] != "Core").sort_values(["core", "task_id"])
    return order["task"].head(TOP_TASKS).tolist()


def _ratings(rows: pd.DataFrame) -> list[Rating]:
    rows = rows.sort_values(["importance", "level"], ascending=False).head(TOP_RATINGS)
    return [
        Rating(name=str(name), importance=float(importance), level=float(level))
        for name, importance, level in zip(rows["name"], rows["importance"], rows["level"],
                                           strict=True)
    ]


def _technology(rows: pd.DataFrame) -> list[TechnologyItem]:
    rows = rows.sort_values(["hot", "in_demand", "example"], ascending=[False, False, True])
    return [
        TechnologyItem(name=str(r.example), category=str(r.commodity_title), hot=bool(r.hot),
                       in_demand=bool(r.in_demand))
        for r in rows.head(TOP_TECHNOLOGY).itertuples()
    ]


def _tools(rows: pd.DataFrame, spread: dict[str, int], occupations: int) -> list[ToolItem]:
    rows = rows.drop_duplicates("example")
    shared = rows["example"].map(spread)
    # Equipment shared by a few occupations is what a worker recognizes as the job's own
    # ("Dump trucks"); what nearly every occupation uses goes last.
    rows = rows.assign(spread=shared, ubiquitous=shared > 0.1 * occupations).sort_values(
        ["ubiquitous", "spread", "example"], ascending=[True, False, True]
    )
    return [ToolItem(name=str(r.example), category=str(r.commodity_title))
            for r in rows.head(TOP_TOOLS).itertuples()]


def _related(ref, rows: pd.DataFrame) -> list[RelatedOccupation]:
    rows = rows.sort_values("index").head(TOP_RELATED)
    occupations = ref.occupations
    return [
        RelatedOccupation(
            code=str(r.related_code),
            title=str(occupations.at[r.related_code, "title"]),
            tier=str(r.tier),
            job_zone=_optional_int(occupations.at[r.related_code, "job_zone"]),
        )
        for r in rows.itertuples()
        if r.related_code in occupations.index
    ]


def _typical_education(rows: pd.DataFrame) -> str | None:
    if rows.empty:
        return None
    return _optional_text(rows["education"].iloc[0])


def _optional_int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _optional_float(value) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _optional_text(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None
