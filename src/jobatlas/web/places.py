"""Turn a ZIP code or city typed by a person into a ``geo.Location``."""

from __future__ import annotations

from jobatlas.web.errors import UserError

MAX_LOCATION_CHARS = 200


def resolve_place(text: str | None):
    """Return the ``Location`` for a ZIP code or "City, ST", None for no text; 422 if unknown."""
    from jobatlas.geo import UnknownLocation, load_geo, resolve_location
    from jobatlas.web.resources import resources

    text = (text or "").strip()
    if not text:
        return None
    if len(text) > MAX_LOCATION_CHARS:
        raise UserError(422, "The place is too long; enter a 5-digit ZIP code or a city and state.")
    try:
        return resolve_location(text, load_geo(resources().settings.data_dir))
    except UnknownLocation as exc:
        hint = "Try a 5-digit ZIP code or a city and state, like Chicago, IL."
        raise UserError(422, f"{exc}. {hint}") from None


def nearest_area(place, areas):
    """Return the Craigslist area (``Area``) whose centre is nearest to ``place``, or None."""
    from jobatlas.geo import haversine_km

    located = [a for a in areas if a.latitude is not None and a.longitude is not None]
    if not located:
        return None
    return min(located, key=lambda a: haversine_km(place.lat, place.lon, a.latitude, a.longitude))
