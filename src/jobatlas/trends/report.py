"""Trend tables for a place: occupations and skills with growth, intensity and projections.

These are the data functions behind the trends page, the JSON API and ``jobatlas trends show``.
Growth compares the 13 weeks ending at the latest complete stored week (see ``growth``); the
refresh stores it for every series (``growth_store``), and a table computes it from the series
only when the stored rows are for another week.
Posting intensity is active postings in that week per 1,000 employed (OEWS May 2025 employment
for the metro, state or nation; Craigslist areas use their metro). The BLS 2024-34 projected
employment change is shown next to the posting-based growth.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import Engine, select

from jobatlas.trends.forecast import forecast_series
from jobatlas.trends.growth import COMPARISONS, FIELDS, growth_for, growth_table
from jobatlas.trends.growth_store import growth_end, read_growth
from jobatlas.trends.series import (
    NATION,
    SOC_LEVELS,
    latest_week,
    read_series,
    weekly_values,
)
from jobatlas.trends.tables import trend_series

METRICS = ("new", "active")
LEVELS = SOC_LEVELS[1:]
_STATE = re.compile(r"^[A-Za-z]{2}$")
_DIGITS5 = re.compile(r"^\d{5}$")


class TrendsError(ValueError):
    """A request the trends data cannot answer, with an HTTP-like status and the reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Place:
    """Where a trend table is for: a geography level and key, and employment lookups."""

    geo_level: str  # "area", "cbsa", "state", "nation"
    geo: str
    label: str
    cbsa: str | None = None
    state: str | None = None

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return {"geo_level": self.geo_level, "geo": self.geo, "label": self.label}


@dataclass
class Table:
    """Rows of a trend table for one place and the week it ends."""

    place: Place
    end: date
    level: str
    metric: str
    rows: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return {
            "place": self.place.to_dict(),
            "end_week": self.end.isoformat(),
            "level": self.level,
            "metric": self.metric,
            "rows": self.rows,
        }


def resolve_place(
    engine: Engine,
    *,
    area: str | None = None,
    zip_code: str | None = None,
    cbsa: str | None = None,
    state: str | None = None,
    geo=None,
) -> Place:
    """Return the place named by one of area / ZIP / CBSA / state (the nation when none)."""
    from jobatlas.geo import UnknownLocation, load_geo

    given = [v for v in (area, zip_code, cbsa, state) if v]
    if len(given) > 1:
        raise TrendsError(400, "give only one of area, zip, cbsa or state")
    if not given:
        return Place("nation", NATION, "United States")
    geo = geo or load_geo()
    try:
        if area:
            return _area_place(engine, area.strip().lower(), geo)
        if zip_code:
            return _zip_place(zip_code.strip(), geo)
        if cbsa:
            found = geo.cbsa(cbsa.strip())
            return Place("cbsa", found.code, found.name, cbsa=found.code)
    except UnknownLocation as exc:
        raise TrendsError(404, str(exc)) from None
    code = state.strip().upper()
    if not _STATE.match(code):
        raise TrendsError(404, f"{state!r} is not a two-letter state code")
    return Place("state", code, code, state=code)


def _area_place(engine: Engine, area: str, geo) -> Place:
    from jobatlas.geo import UnknownLocation

    try:
        mapped = geo.craigslist_area(area)
    except UnknownLocation:
        mapped = None
    candidates = [area] + ([mapped.hostname, mapped.abbreviation] if mapped else [])
    for key in candidates:
        if _has_rows(engine, "area", key):
            label = mapped.name if mapped else key
            return Place(
                "area",
                key,
                label,
                cbsa=mapped.cbsa if mapped else None,
                state=mapped.state if mapped else None,
            )
    if mapped is None:
        raise TrendsError(404, f"{area!r} is not a US Craigslist area")
    raise TrendsError(404, f"no postings are stored for the Craigslist area {area!r}")


def _zip_place(zip_code: str, geo) -> Place:
    if not _DIGITS5.match(zip_code):
        raise TrendsError(404, f"{zip_code!r} is not a 5-digit ZIP code")
    location = geo.zip_location(zip_code)
    if location.cbsa:
        return Place(
            "cbsa",
            location.cbsa,
            location.cbsa_name or location.cbsa,
            cbsa=location.cbsa,
            state=location.state,
        )
    return Place("state", location.state, location.state, state=location.state)


def _has_rows(engine: Engine, geo_level: str, geo: str) -> bool:
    query = (
        select(trend_series.c.week)
        .where(trend_series.c.geo_level == geo_level, trend_series.c.geo == geo)
        .limit(1)
    )
    with engine.connect() as connection:
        return connection.execute(query).first() is not None


def end_week(engine: Engine, today: date | None = None) -> date:
    """Return the latest complete stored week; 404 when nothing has been refreshed."""
    end = growth_end(latest_week(engine), today or datetime.now(UTC).date())
    if end is None:
        raise TrendsError(404, "no trend series are stored yet; run `jobatlas trends refresh`")
    return end


def _check(metric: str, level: str, levels=LEVELS) -> None:
    if metric not in METRICS:
        raise TrendsError(400, f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    if level not in levels:
        raise TrendsError(400, f"level must be one of {', '.join(levels)}, not {level!r}")


def occupation_table(
    engine: Engine,
    place: Place,
    *,
    level: str = "detailed",
    metric: str = "new",
    job_zone: int | None = None,
    reference=None,
    today: date | None = None,
) -> Table:
    """Return every occupation with postings in ``place``: growth, intensity, projection."""
    _check(metric, level)
    if job_zone is not None and job_zone not in range(1, 6):
        raise TrendsError(400, f"job_zone must be 1 to 5, not {job_zone!r}")
    end = end_week(engine, today)
    growth = growth_rows(engine, "occupation", place, metric, end, level=level)
    if not growth:
        raise TrendsError(404, f"no postings stored for {place.label} up to {end.isoformat()}")
    reference = reference or _reference()
    info = _occupation_info(reference, level)
    rows = []
    for row in growth:
        zone = info["job_zone"].get(row["key"])
        if job_zone is not None and zone != job_zone:
            continue
        rows.append(_occupation_row(row, info, zone, place, reference))
    rows.sort(key=lambda r: r["code"])
    return Table(place, end, level, metric, rows)


def growth_rows(
    engine: Engine,
    dimension: str,
    place: Place,
    metric: str,
    end: date,
    *,
    level: str | None = None,
    keys: list[str] | None = None,
) -> list[dict]:
    """Return growth rows (``key``, ``level``, ``active``, growth columns) of a place at ``end``.

    Read from ``trend_growth`` when the last refresh computed it for ``end``, else computed
    from the stored series (same figures: both go through ``growth.growth_from_sums``).
    """
    where = {"dimension": dimension, "geo_level": place.geo_level, "geo": place.geo}
    stored = read_growth(engine, **where, metric=metric, end=end, level=level, keys=keys)
    if stored is not None:
        return stored
    frame = read_series(engine, **where, level=level, keys=keys)
    frame = frame[frame["week"] <= pd.Timestamp(end)]
    if frame.empty:
        return []
    table = growth_table(frame, end, metric)
    at_end = frame[frame["week"] == pd.Timestamp(end)]
    table["active"] = table["key"].map(at_end.groupby("key")["active"].sum()).fillna(0)
    table["active"] = table["active"].astype(int).astype(object)
    table["level"] = table["key"].map(frame.drop_duplicates("key").set_index("key")["level"])
    return table.to_dict("records")


def _occupation_row(row, info, zone, place, reference) -> dict:
    key, active = row["key"], row["active"]
    out = {
        "code": key,
        "title": info["title"].get(key, key),
        "job_zone": zone,
        "active": active,
        "per_1000_employed": intensity(active, key, place, reference),
        "projected_change_pct": info["projection"].get(key),
    }
    for comparison in COMPARISONS:
        prefix = "" if comparison == "previous" else "year_ago_"
        for name in FIELDS:
            value = row[f"{comparison}_{name}"]
            out[prefix + name] = None if _missing(value) else _plain(value)
    return out


def _previous_window(row) -> dict:
    """Return the growth against the previous 13 weeks of one growth-table row, JSON-ready."""
    return {
        n: None if _missing(row[f"previous_{n}"]) else _plain(row[f"previous_{n}"]) for n in FIELDS
    }


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def intensity(active: int, soc: str, place: Place, reference) -> float | None:
    """Return active postings per 1,000 employed (OEWS), None without an employment estimate."""
    employment = _employment(reference, place, "00-0000" if soc == "all" else soc)
    return None if employment is None else round(active / employment * 1000, 3)


_EMPLOYMENT_CACHE: dict[int, tuple[object, dict]] = {}


def _employment(reference, place: Place, code: str) -> float | None:
    """Return OEWS employment of ``code`` in ``place`` (exact SOC match only), else None."""
    if place.geo_level == "nation":
        where = ("nation", NATION)
    elif place.cbsa:
        where = ("metro", place.cbsa)
    elif place.state:
        where = ("state", place.state)
    else:
        return None
    cached = _EMPLOYMENT_CACHE.get(id(reference))
    # Keep the reference object with the entry, so its id cannot be reused by another one.
    if cached is None or cached[0] is not reference:
        cached = _EMPLOYMENT_CACHE[id(reference)] = (reference, {})
    places = cached[1]
    if where not in places:
        # One filter per place and process: a table asks for hundreds of codes at once.
        places[where] = _place_employment(reference.wages, *where)
    return places[where].get(code)


def _place_employment(wages, kind: str, geo: str) -> dict[str, float]:
    """Return employment by SOC code for one OEWS area (codes the wage lookups match exactly)."""
    from jobatlas.reference.states import find_state
    from jobatlas.reference.wages import NATIONAL_AREA

    if kind == "nation":
        frame, area = wages.national_frame, NATIONAL_AREA
    elif kind == "metro":
        frame, area = wages.metro_frame, f"00{geo}"
    else:
        found = find_state(geo)
        if found is None:
            return {}
        frame, area = wages.state_frame, f"{found.fips}00000"
    rows = frame[frame["area"] == area]
    codes = wages.resolver.codes
    return {
        code: employment
        for code, employment in zip(rows["code"].tolist(), rows["employment"].tolist(), strict=True)
        if code in codes and employment and employment == employment  # NaN: no estimate
    }


_INFO_CACHE: dict[tuple[int, str], tuple[object, dict]] = {}


def _occupation_info(reference, level: str) -> dict[str, dict]:
    """Return title, Job Zone and projected change by SOC code at ``level`` (cached)."""
    cached = _INFO_CACHE.get((id(reference), level))
    # Keep the reference object with the entry, so its id cannot be reused by another one.
    if cached is None or cached[0] is not reference:
        cached = _INFO_CACHE[(id(reference), level)] = (reference, _build_info(reference, level))
    return cached[1]


def _build_info(reference, level: str) -> dict[str, dict]:
    from jobatlas.soc import InvalidSocCode, soc_levels

    structure = reference.soc_structure
    titles = dict(zip(structure.index, structure["title"], strict=True))
    titles["all"] = "All occupations"
    zones_by_soc = reference.occupations.dropna(subset=["job_zone"]).groupby("soc")["job_zone"]
    zone: dict[str, int] = {}
    members: dict[str, list[int]] = {}
    for soc, value in zones_by_soc.min().items():
        try:
            group = soc_levels(soc)[level]
        except InvalidSocCode:
            continue
        members.setdefault(group, []).append(int(value))
    for group, values in members.items():
        # The most common zone of the group's detailed occupations (ties: the lower zone).
        zone[group] = int(pd.Series(values).mode().min())
    projections = reference.projections["change_pct"].dropna()
    projection = {k: float(v) for k, v in projections.items()}
    projection["all"] = projection.get("00-0000")
    return {"title": titles, "job_zone": zone, "projection": projection}


def _reference():
    from jobatlas.reference import load_reference

    return load_reference()


def skills_table(
    engine: Engine, place: Place, *, metric: str = "new", today: date | None = None
) -> Table:
    """Return skills, tools and credentials asked for in ``place``, with their growth."""
    _check(metric, "skill", levels=("skill",))
    end = end_week(engine, today)
    growth = growth_rows(engine, "skill", place, metric, end)
    if not growth:
        raise TrendsError(404, f"no skills found in postings for {place.label}")
    rows = []
    for row in growth:
        key = row["key"]
        rows.append(
            {
                "skill_id": key,
                "name": key.split(":", 1)[-1],
                "kind": row["level"],
                **_previous_window(row),
            }
        )
    rows.sort(key=lambda r: r["skill_id"])
    return Table(place, end, "skill", metric, rows)


def occupation_detail(
    engine: Engine,
    code: str,
    place: Place,
    *,
    metric: str = "new",
    reference=None,
    today: date | None = None,
) -> dict:
    """Return one occupation's weekly series, growth and 13-week forecast, here and nationally."""
    from jobatlas.soc import InvalidSocCode, soc_levels

    _check(metric, "detailed")
    try:
        levels = soc_levels(code)
    except InvalidSocCode as exc:
        raise TrendsError(404, str(exc)) from None
    key = levels["detailed"]
    level = _level_of(key)
    end = end_week(engine, today)
    reference = reference or _reference()
    title = _occupation_info(reference, level)["title"].get(key)
    if title is None:
        raise TrendsError(404, f"{code!r} is not a SOC 2018 occupation or group")
    places = [place] if place.geo_level == "nation" else [place, resolve_place(engine)]
    out = {
        "code": key,
        "title": title,
        "level": level,
        "metric": metric,
        "end_week": end.isoformat(),
        "places": [],
    }
    for where in places:
        out["places"].append(_series_block(engine, key, level, where, metric, end))
    if all(not block["weeks"] for block in out["places"]):
        raise TrendsError(404, f"no postings stored for {key} ({title})")
    return out


def _level_of(key: str) -> str:
    from jobatlas.soc import soc_levels

    levels = soc_levels(key)
    for name in ("major", "minor", "broad"):
        if levels[name] == key and levels["detailed"] == key:
            return name
    return "detailed"


def _series_block(engine, key, level, place: Place, metric, end) -> dict:
    frame = read_series(engine, level=level, keys=[key], geo_level=place.geo_level, geo=place.geo)
    frame = frame[frame["week"] <= pd.Timestamp(end)]
    block = {"place": place.to_dict(), "weeks": [], "growth": {}, "forecast": None}
    if frame.empty:
        block["note"] = f"no postings stored for {place.label}"
        return block
    series = weekly_values(frame, metric, end)
    block["weeks"] = [{"week": w.date().isoformat(), "value": int(v)} for w, v in series.items()]
    block["growth"] = {c: g.to_dict() for c, g in growth_for(series, end).items()}
    block["forecast"] = _forecast(tuple(series.to_numpy()), series.index[-1])
    return block


@functools.lru_cache(maxsize=4096)
def _forecast(values: tuple[float, ...], last_week: pd.Timestamp) -> dict:
    """Return the forecast of a series; cached, as series change only when refreshed."""
    weeks = pd.date_range(end=last_week, periods=len(values), freq="7D")
    return forecast_series(pd.Series(values, index=weeks)).to_dict()


def local_growth(engine: Engine, codes, area: str | None, *, today: date | None = None) -> dict:
    """Return, per SOC or O*NET-SOC code, its posting growth in a Craigslist area (or nation).

    Made for the recommender and the results page: never raises for a code or an area without
    data; such entries carry ``suppressed`` with the reason.
    """
    from jobatlas.soc import InvalidSocCode, parse_soc

    try:
        place = resolve_place(engine, area=area) if area else resolve_place(engine)
        end = end_week(engine, today)
    except TrendsError as exc:
        return {code: {"suppressed": str(exc)} for code in codes}
    socs = {}
    for code in codes:
        try:
            socs[code] = parse_soc(code)
        except InvalidSocCode as exc:
            socs[code] = None
            socs[f"error:{code}"] = str(exc)
    wanted = sorted({s for s in socs.values() if s and not s.startswith("error")})
    growth = growth_rows(engine, "occupation", place, "new", end, level="detailed", keys=wanted)
    table = {row["key"]: row for row in growth}
    out = {}
    for code in codes:
        soc = socs.get(code)
        if soc is None:
            out[code] = {"suppressed": socs.get(f"error:{code}", "not a SOC code")}
        elif soc not in table:
            out[code] = {
                "soc": soc,
                "place": place.to_dict(),
                "suppressed": f"no postings stored for {soc} in {place.label}",
            }
        else:
            row = table[soc]
            out[code] = {
                "soc": soc,
                "place": place.to_dict(),
                "end_week": end.isoformat(),
                **_previous_window(row),
            }
    return out
