"""Decode the search JSON the Craigslist front end fetches (``sapi.craigslist.org/web/v8/...``).

Each item is a positional array: ``[id offset, date offset, category id, price,
"loc:desc[:hood]~lat~lng", ..., [6, slug], [13, token], ..., title]``; ids and dates are offsets
from ``decode.minPostingId`` and ``decode.minPostedDate``; ``decode.locations`` maps a location
index to ``[area id, hostname, subarea]``.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jobatlas.sources.parsed import ParseError

SLUG_TAG = 6
TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")
PAGE_SIZE = 360


@dataclass(frozen=True)
class SearchItem:
    """One search hit, decoded."""

    source_id: str
    title: str
    posted_at: datetime | None
    category_id: int | None
    category: str | None
    hostname: str | None
    subarea: str | None
    slug: str | None
    token: str | None
    locality: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    price: int | None = None


@dataclass
class SearchResult:
    """Decoded items and the total the server reports for the search."""

    items: list[SearchItem] = field(default_factory=list)
    total: int = 0


def parse_search_response(
    payload: str | bytes | dict, category_codes: dict[int, str] | None = None
) -> SearchResult:
    """Decode a search response; ``category_codes`` maps category ids to codes ("trd").

    An unknown area answers ``"decode": 0`` and no items: that is an empty result, not an error.
    Raises ``ParseError`` when the payload is not a search response at all.
    """
    data = _load(payload)
    body = data.get("data")
    if not isinstance(body, dict):
        raise ParseError(f"search response has no data object (errors: {data.get('errors')})")
    decode = body.get("decode")
    if not isinstance(decode, dict):
        return SearchResult([], int(body.get("totalResultCount") or 0))
    items = [
        item
        for raw in body.get("items") or []
        if (item := _item(raw, decode, category_codes or {})) is not None
    ]
    return SearchResult(items, int(body.get("totalResultCount") or len(items)))


def _load(payload: str | bytes | dict) -> dict:
    if isinstance(payload, dict):
        return payload
    try:
        data = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ParseError(f"search response is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ParseError("search response is not a JSON object")
    return data


def _item(raw: object, decode: dict, category_codes: dict[int, str]) -> SearchItem | None:
    if not isinstance(raw, list) or len(raw) < 5 or not isinstance(raw[0], int):
        return None
    title = raw[-1] if isinstance(raw[-1], str) else ""
    tags = {t[0]: t[1] for t in raw[5:] if isinstance(t, list) and len(t) > 1}
    token = next(
        (v for k, v in tags.items() if k != SLUG_TAG and isinstance(v, str) and TOKEN.fullmatch(v)),
        None,
    )
    location = _location(raw[4] if isinstance(raw[4], str) else "", decode)
    category_id = raw[2] if isinstance(raw[2], int) else None
    return SearchItem(
        source_id=str(int(decode.get("minPostingId", 0)) + raw[0]),
        title=title.strip(),
        posted_at=_posted(raw[1], decode),
        category_id=category_id,
        category=category_codes.get(category_id) if category_id is not None else None,
        slug=tags.get(SLUG_TAG) if isinstance(tags.get(SLUG_TAG), str) else None,
        token=token,
        price=raw[3] if isinstance(raw[3], int) and raw[3] >= 0 else None,
        **location,
    )


def _posted(offset: object, decode: dict) -> datetime | None:
    base = decode.get("minPostedDate")
    if not isinstance(offset, int) or not isinstance(base, int):
        return None
    return datetime.fromtimestamp(base + offset, tz=UTC)


def _location(text: str, decode: dict) -> dict:
    """Decode ``"loc:desc[:hood]~lat~lng"`` against the response's lookup tables."""
    parts = text.split("~")
    indexes = [int(i) if i.isdigit() else -1 for i in parts[0].split(":")]
    out: dict = {"hostname": None, "subarea": None, "locality": None}
    entry = _lookup(decode.get("locations"), indexes[0] if indexes else -1)
    if isinstance(entry, list) and len(entry) >= 2:
        out["hostname"] = entry[1] if isinstance(entry[1], str) else None
        out["subarea"] = entry[2] if len(entry) > 2 and isinstance(entry[2], str) else None
    hood = _lookup(decode.get("neighborhoods"), indexes[2]) if len(indexes) > 2 else None
    desc = _lookup(decode.get("locationDescriptions"), indexes[1]) if len(indexes) > 1 else None
    out["locality"] = next((v for v in (hood, desc) if isinstance(v, str) and v), None)
    if len(parts) >= 3:
        with contextlib.suppress(ValueError):  # "~x~y" placeholders: no coordinates
            out["latitude"], out["longitude"] = float(parts[1]), float(parts[2])
    return out


def _lookup(table: object, index: int) -> object:
    if isinstance(table, list) and 0 <= index < len(table):
        return table[index]
    return None
