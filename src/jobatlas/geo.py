"""Resolve US locations: ZIP codes, "City, ST" and Craigslist areas to points, CBSAs and states.

Sources (all shipped in ``src/jobatlas/data/``): the Census ZCTA gazetteer for ZIP points,
the HUD-USPS ZIP-CBSA crosswalk for a ZIP's CBSA (the CBSA holding the largest share of its
addresses) and USPS city/state, the Census CBSA gazetteer for CBSA names and internal
points, and the Craigslist area reference.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jobatlas.config import PACKAGE_DATA_DIR
from jobatlas.reference.files import read_csv
from jobatlas.reference.states import BY_NAME, BY_USPS

ZCTA_POINTS = "geo/census_gazetteer_2023_zcta_points.csv"
ZIP_CBSA = "geo/hud_usps_zip_cbsa_2025.csv"
CBSA_GAZETTEER = "geo/census_gazetteer_2024_cbsa.csv"
CRAIGSLIST_AREAS = "craigslist/reference_craigslist_Areas_2022-04.json.gz"
NO_CBSA = "99999"
EARTH_RADIUS_KM = 6371.0088
# A Craigslist area farther than this from every CBSA (e.g. "big bend") gets no CBSA.
MAX_AREA_CBSA_KM = 100.0

_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")
_NON_WORD = re.compile(r"[^A-Z0-9]+")
_PREFIX = re.compile(r"^(ST|STE|FT|MT) ")
_CITY_STATE = re.compile(r"^(?P<city>[^,]+?)\s*,\s*(?P<state>[A-Za-z .]+?)\.?$")
_CITY_ST = re.compile(r"^(?P<city>[^,]+?)\s+(?P<state>[A-Za-z]{2})$")


class UnknownLocation(ValueError):
    """A location text that is not a known ZIP code or "City, ST"."""


@dataclass(frozen=True)
class Location:
    """A resolved place: a point plus the CBSA and state it lies in."""

    label: str
    zip: str | None
    lat: float
    lon: float
    cbsa: str | None
    cbsa_name: str | None
    state: str | None


@dataclass(frozen=True)
class Cbsa:
    """A Core Based Statistical Area from the Census gazetteer."""

    code: str
    name: str
    lat: float
    lon: float
    metropolitan: bool


@dataclass(frozen=True)
class CraigslistArea:
    """A US Craigslist area with the CBSA and state it serves."""

    hostname: str
    abbreviation: str
    name: str
    lat: float
    lon: float
    state: str
    cbsa: str | None
    cbsa_name: str | None
    distance_km: float | None  # from the area's point to the ZIP or CBSA point used


def haversine_km(lat1, lon1, lat2, lon2):
    """Return the great-circle distance in km; works on floats and on numpy arrays."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlambda = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    distance = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))
    return float(distance) if np.ndim(distance) == 0 else distance


def normalize_city(city: str) -> str:
    """Return a city name in the HUD/USPS form: upper case, single spaces, "ST" as "SAINT"."""
    text = _NON_WORD.sub(" ", city.upper().replace(".", "")).strip()
    return _PREFIX.sub(_expand_prefix, text)


def _expand_prefix(match: re.Match[str]) -> str:
    return {"ST": "SAINT ", "STE": "SAINTE ", "FT": "FORT ", "MT": "MOUNT "}[match.group(1)]


class Geo:
    """Lookup tables for ZIPs, cities, CBSAs and Craigslist areas, built from shipped files."""

    def __init__(self, zcta: pd.DataFrame, zip_cbsa: pd.DataFrame, cbsa: pd.DataFrame,
                 areas: list[dict]):
        # tolist(): iterating Arrow-backed string columns element by element is slow.
        self.points = {
            z: (float(la), float(lo))
            for z, la, lo in zip(zcta["GEOID"].tolist(), zcta["LAT"].tolist(),
                                 zcta["LONG"].tolist(), strict=True)
        }
        self.cbsas = {
            row.GEOID: Cbsa(row.GEOID, row.NAME, float(row.INTPTLAT), float(row.INTPTLONG),
                            row.CBSA_TYPE == "1")
            for row in cbsa.itertuples()
        }
        best = zip_cbsa.assign(ratio=zip_cbsa["tot_ratio"].astype(float))
        best = best.sort_values(["zip", "ratio"], ascending=[True, False]).drop_duplicates("zip")
        self.zips = {
            z: (None if cbsa_code == NO_CBSA else cbsa_code, city, state)
            for z, cbsa_code, city, state in zip(
                best["zip"].tolist(), best["geoid"].tolist(), best["city"].tolist(),
                best["state"].tolist(), strict=True,
            )
        }
        names = {city: normalize_city(city) for city in set(best["city"].tolist())}
        self.cities: dict[tuple[str, str], list[str]] = {}
        for zip_code, (_, city, state) in self.zips.items():
            self.cities.setdefault((names[city], state), []).append(zip_code)
        self._zcta_codes = list(self.points)
        self._raw_areas = areas

    # -- ZIPs and cities -------------------------------------------------------------------
    def zip_location(self, zip_code: str) -> Location:
        """Return the location of a 5-digit ZIP code."""
        cbsa, city, state = self.zips.get(zip_code, (None, None, None))
        point = self.points.get(zip_code)
        if point is None and city is not None:
            # PO-box and unique ZIPs have no ZCTA: use the point of their USPS city.
            point = self._city_point(normalize_city(city), state)
        if point is None and cbsa is not None:
            point = (self.cbsas[cbsa].lat, self.cbsas[cbsa].lon)
        if point is None:
            raise UnknownLocation(f"ZIP code {zip_code} is not a known US ZIP code")
        label = f"{zip_code} ({city.title()}, {state})" if city else zip_code
        return self._location(label, zip_code, point, cbsa, state)

    def _city_point(self, city: str, state: str) -> tuple[float, float] | None:
        points = [self.points[z] for z in self.cities.get((city, state), []) if z in self.points]
        if not points:
            return None
        return (float(np.mean([p[0] for p in points])), float(np.mean([p[1] for p in points])))

    def city_location(self, city: str, state: str) -> Location:
        """Return the location of a USPS city: the mean point of its ZIPs and their main CBSA."""
        found = BY_USPS.get(state.strip().upper()) or BY_NAME.get(state.strip().lower())
        if found is None:
            raise UnknownLocation(f"{state!r} is not a US state: use a code such as 'MA'")
        key = (normalize_city(city), found.usps)
        point = self._city_point(*key)
        if point is None:
            raise UnknownLocation(f"no US city named {city.strip()!r} in {found.usps}")
        cbsas = Counter(self.zips[z][0] for z in self.cities[key] if self.zips[z][0])
        cbsa = cbsas.most_common(1)[0][0] if cbsas else None
        return self._location(f"{key[0].title()}, {found.usps}", None, point, cbsa, found.usps)

    def _location(self, label, zip_code, point, cbsa, state) -> Location:
        name = self.cbsas[cbsa].name if cbsa in self.cbsas else None
        return Location(label, zip_code, point[0], point[1], cbsa, name, state)

    def resolve(self, text: str) -> Location:
        """Return the location of a ZIP code (``02139``, ``02139-4307``) or "City, ST"."""
        value = (text or "").strip()
        if not value:
            raise UnknownLocation("empty location: give a 5-digit ZIP code or 'City, ST'")
        zip_match = _ZIP.match(value)
        if zip_match:
            return self.zip_location(zip_match.group(1))
        if value.isdigit():
            raise UnknownLocation(f"{value!r} is not a ZIP code: ZIP codes have 5 digits")
        city_match = _CITY_STATE.match(value) or _CITY_ST.match(value)
        if city_match is None or (
            "," not in value and city_match["state"].upper() not in BY_USPS
        ):
            raise UnknownLocation(
                f"cannot read location {value!r}: give a 5-digit ZIP code or 'City, ST'"
            )
        return self.city_location(city_match["city"], city_match["state"])

    def cbsa(self, code: str) -> Cbsa:
        """Return a CBSA by its 5-digit code; raise ``UnknownLocation`` for an unknown code."""
        try:
            return self.cbsas[str(code).strip()]
        except KeyError:
            raise UnknownLocation(f"{code!r} is not a CBSA code in the 2024 gazetteer") from None

    # -- Craigslist areas ------------------------------------------------------------------
    @functools.cached_property
    def areas(self) -> dict[str, CraigslistArea]:
        """Return every US Craigslist area by hostname, mapped to its CBSA and state."""
        from sklearn.neighbors import BallTree  # heavy import, needed only here

        us = [area for area in self._raw_areas if area.get("Country") == "US"]
        points = np.radians([[float(a["Latitude"]), float(a["Longitude"])] for a in us])
        tree = BallTree(np.radians(list(self.points.values())), metric="haversine")
        distances, nearest = tree.query(points, k=1)
        return {
            area["Hostname"]: self._map_area(area, self._zcta_codes[int(i[0])],
                                             float(d[0]) * EARTH_RADIUS_KM)
            for area, d, i in zip(us, distances, nearest, strict=True)
        }

    def _map_area(self, area: dict, nearest_zip: str, zip_km: float) -> CraigslistArea:
        lat, lon, state = float(area["Latitude"]), float(area["Longitude"]), area["Region"]
        # The ZIP under the area's point says which CBSA the area's main city is in; a CBSA's
        # internal point can be far from its main city (Seattle is nearer Bremerton's point).
        cbsa, distance = self.zips.get(nearest_zip, (None,))[0], zip_km
        if cbsa is None:
            cbsa, distance = self._nearest_cbsa(lat, lon, state)
        return CraigslistArea(
            hostname=area["Hostname"], abbreviation=area["Abbreviation"],
            name=area["Description"], lat=lat, lon=lon, state=state, cbsa=cbsa,
            cbsa_name=self.cbsas[cbsa].name if cbsa else None,
            distance_km=None if distance is None else round(distance, 1),
        )

    def _nearest_cbsa(self, lat: float, lon: float, state: str):
        in_state = [c for c in self.cbsas.values() if _cbsa_in_state(c, state)] or list(
            self.cbsas.values()
        )
        best = min(in_state, key=lambda c: haversine_km(lat, lon, c.lat, c.lon))
        distance = haversine_km(lat, lon, best.lat, best.lon)
        return (best.code, distance) if distance <= MAX_AREA_CBSA_KM else (None, None)

    def craigslist_area(self, name: str) -> CraigslistArea:
        """Return a US Craigslist area by hostname (``sfbay``) or abbreviation (``sfo``)."""
        key = name.strip().lower()
        if key in self.areas:
            return self.areas[key]
        for area in self.areas.values():
            if area.abbreviation == key:
                return area
        raise UnknownLocation(f"{name!r} is not a US Craigslist area")


def _cbsa_in_state(cbsa: Cbsa, state: str) -> bool:
    # Gazetteer names end in "<cities>, <ST>-<ST> Metro Area".
    states = cbsa.name.rsplit(",", 1)[-1].split()[0]
    return state in states.split("-")


@functools.lru_cache(maxsize=2)
def load_geo(data_dir: Path | str | None = None) -> Geo:
    """Return the geography lookups built from ``data_dir`` (default: shipped), once per folder."""
    data_dir = Path(data_dir or PACKAGE_DATA_DIR)
    with gzip.open(data_dir / CRAIGSLIST_AREAS, "rt", encoding="utf-8") as handle:
        areas = json.load(handle)
    return Geo(
        read_csv(ZCTA_POINTS, data_dir),
        read_csv(ZIP_CBSA, data_dir),
        read_csv(CBSA_GAZETTEER, data_dir),
        areas,
    )


def resolve_location(text: str, geo: Geo | None = None) -> Location:
    """Return the location of a ZIP code or "City, ST"; raise ``UnknownLocation`` otherwise."""
    return (geo or load_geo()).resolve(text)


def get_cbsa(code: str, geo: Geo | None = None) -> Cbsa:
    """Return a CBSA's name, internal point and type by its 5-digit code."""
    return (geo or load_geo()).cbsa(code)


def craigslist_area(name: str, geo: Geo | None = None) -> CraigslistArea:
    """Return the CBSA and state of a Craigslist area (``sfbay`` -> 41860, CA)."""
    return (geo or load_geo()).craigslist_area(name)


__all__ = [
    "Cbsa", "CraigslistArea", "Geo", "Location", "UnknownLocation", "craigslist_area", "get_cbsa",
    "haversine_km", "load_geo", "normalize_city", "resolve_location",
]
