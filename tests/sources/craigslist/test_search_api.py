"""The front end's search JSON, decoded."""

from __future__ import annotations

import pytest

from jobatlas.sources.craigslist.areas import category_codes
from jobatlas.sources.craigslist.search_api import parse_search_response
from jobatlas.sources.parsed import ParseError

from .cases import as_json, cases, expected


@pytest.mark.parametrize("folder", cases("search_api"), ids=lambda p: p.name)
def test_search_fixture(folder):
    result = parse_search_response((folder / "response.json").read_bytes(), category_codes())
    want = expected(folder)
    assert result.total == want["total"]
    assert as_json(result.items) == want["items"]


def test_ids_and_dates_are_offsets_from_decode():
    payload = {
        "data": {
            "decode": {"minPostingId": 100, "minPostedDate": 1_700_000_000, "locations": [0]},
            "items": [[5, 60, 59, 20, "9:9~x~y", [6, "slug"], "Welder"]],
            "totalResultCount": 1,
        }
    }
    item = parse_search_response(payload, {59: "trd"}).items[0]
    assert item.source_id == "105"
    assert item.posted_at.timestamp() == 1_700_000_060
    assert (item.category, item.price, item.title) == ("trd", 20, "Welder")
    assert item.hostname is None and item.latitude is None  # out-of-range index, bad coordinates


@pytest.mark.parametrize("payload", [b"<html>blocked</html>", b"[1, 2]", b'{"errors": ["x"]}'])
def test_non_search_payloads_raise(payload):
    with pytest.raises(ParseError):
        parse_search_response(payload)
