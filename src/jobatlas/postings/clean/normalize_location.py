"""Tidy a posting's place: state codes, ZIP codes, city text and coordinates."""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

from jobatlas.postings.records import Posting
from jobatlas.reference.states import BY_NAME, BY_USPS

_ZIP = re.compile(r"^\s*(\d{5})(?:[-\s]?\d{4})?\s*$")
_TRAILING_PLACE = re.compile(
    r",\s*(?P<state>[A-Za-z .]{2,25}?)\.?(?:\s+(?P<zip>\d{5})(?:-\d{4})?)?$"
)


def normalize_region(text: str | None) -> str | None:
    """Return the two-letter code for a US state or territory name or code, else ``None``."""
    if not text:
        return None
    value = " ".join(text.replace(".", "").split())
    state = BY_USPS.get(value.upper()) or BY_NAME.get(value.lower())
    return state.usps if state else None


def normalize_postal_code(text: str | None) -> str | None:
    """Return the 5-digit ZIP code in ``text`` ("94110-1234" -> "94110"), else ``None``."""
    if not text:
        return None
    match = _ZIP.match(text)
    return match[1] if match else None


def normalize_coordinates(lat: object, lon: object) -> tuple[float | None, float | None]:
    """Return valid WGS84 degrees, or ``(None, None)`` for missing, out-of-range or (0, 0)."""
    try:
        lat_f, lon_f = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None, None
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)):
        return None, None
    if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180) or (lat_f == 0 and lon_f == 0):
        return None, None  # (0, 0) is what broken geocoders emit, not a workplace
    return lat_f, lon_f


def normalize_locality(text: str | None) -> str | None:
    """Return the place text without Craigslist's parentheses and extra spaces."""
    if not text:
        return None
    value = " ".join(text.split()).strip(" ()[]-,")
    return value or None


def normalize_location(posting: Posting) -> Posting:
    """Normalize region, ZIP, locality and coordinates; take "City, ST 12345" apart if needed."""
    changes = location_changes(posting)
    return dataclasses.replace(posting, **changes) if changes else posting


def location_changes(posting: Posting) -> dict[str, Any]:
    """Return the fields :func:`normalize_location` changes."""
    locality = normalize_locality(posting.locality)
    region = normalize_region(posting.region)
    postal_code = normalize_postal_code(posting.postal_code)
    if locality and (match := _TRAILING_PLACE.search(locality)):
        state = normalize_region(match["state"])
        if state and (region is None or region == state):
            region = state
            postal_code = postal_code or match["zip"]
            locality = locality[: match.start()].strip(" ,") or None
    latitude, longitude = normalize_coordinates(posting.latitude, posting.longitude)
    values = {
        "locality": locality,
        "region": region,
        "postal_code": postal_code,
        "latitude": latitude,
        "longitude": longitude,
    }
    return {name: value for name, value in values.items() if getattr(posting, name) != value}
