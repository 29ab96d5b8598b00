from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobatlas.postings.records import OccupationCode

DAY = timedelta(days=1)
START = datetime(2026, 11, 1, tzinfo=UTC)
# (name, latitude, longitude): distances from downtown Oakland.
PLACES = {
    "oakland": (37.8044, -122.2712),  # 0 km
    "berkeley": (37.8716, -122.2727),  # ~7.5 km
    "san_francisco": (37.7749, -122.4194),  # ~13.4 km
    "san_jose": (37.3382, -121.8863),  # ~62 km
    "sacramento": (38.5816, -121.4944),  # ~110 km
}
OAKLAND = PLACES["oakland"]


@pytest.fixture
def stored(repository, make_posting):
    """Store one ad per place (different kinds of job), posted one day apart."""
    postings = []
    for number, (name, (lat, lon)) in enumerate(PLACES.items()):
        kind = number
        code = ["53-7062.00", "35-2014.00", "31-1121.00", "47-2111.00", "37-2011.00"][kind]
        postings.append(
            make_posting(
                number, kind=kind, city=name, area=name, latitude=lat, longitude=lon,
                region="CA", posted_at=START + number * DAY,
                occupations=[OccupationCode(code, 0.8, 1), OccupationCode("53-7065.00", 0.1, 2)],
                model_version="clf-1",
            )
        )  # fmt: skip
    ids = repository.upsert(postings, seen_at=START + 10 * DAY).ids
    return dict(zip(PLACES, ids, strict=True))


def test_newest_first_without_near(repository, stored):
    found = repository.search()
    assert [p.id for p in found] == list(reversed(stored.values()))
    assert all(p.distance_km is None for p in found)


def test_near_orders_by_distance_within_radius(repository, stored):
    found = repository.search(near=(*OAKLAND, 20))
    assert [p.id for p in found] == [stored[n] for n in ("oakland", "berkeley", "san_francisco")]
    distances = [p.distance_km for p in found]
    assert distances[0] == pytest.approx(0, abs=0.01)
    assert distances[1] == pytest.approx(7.45, abs=0.3)
    assert distances[2] == pytest.approx(13.4, abs=0.3)
    far = repository.search(near=(*OAKLAND, 150))
    assert [p.id for p in far][-2:] == [stored["san_jose"], stored["sacramento"]]


def test_near_breaks_distance_ties_by_newest(repository, make_posting):
    older = make_posting(1, kind=0, posted_at=START)
    newer = make_posting(2, kind=1, posted_at=START + DAY)
    ids = repository.upsert([older, newer]).ids
    assert [p.id for p in repository.search(near=(*OAKLAND, 5))] == [ids[1], ids[0]]


def test_near_pages_with_limit_and_offset(repository, stored):
    page = repository.search(near=(*OAKLAND, 150), limit=2, offset=1)
    assert [p.id for p in page] == [stored["berkeley"], stored["san_francisco"]]


def test_postings_without_coordinates_are_not_near_anything(repository, make_posting):
    repository.upsert([make_posting(1, latitude=None, longitude=None)])
    assert repository.search(near=(*OAKLAND, 50)) == []
    assert len(repository.search()) == 1


def test_filter_by_occupation_code_and_soc(repository, stored):
    assert [p.id for p in repository.search(codes=["35-2014.00"])] == [stored["berkeley"]]
    assert [p.id for p in repository.search(socs=["35-2014"])] == [stored["berkeley"]]
    assert repository.search(codes=["53-7065.00"]) == []  # only ranked second
    assert len(repository.search(codes=["53-7065.00"], max_rank=2)) == 5
    both = repository.search(codes=["53-7062.00"], near=(*OAKLAND, 20))
    assert [p.id for p in both] == [stored["oakland"]]


def test_filter_by_area_region_and_dates(repository, stored):
    assert [p.id for p in repository.search(area="san_jose")] == [stored["san_jose"]]
    assert len(repository.search(region="ca")) == 5
    assert repository.search(region="NV") == []
    window = repository.search(since=START + DAY, until=START + 3 * DAY)
    assert [p.id for p in window] == [stored["san_francisco"], stored["berkeley"]]


def test_pages_newest_first(repository, stored):
    first, second = repository.search(limit=2), repository.search(limit=2, offset=2)
    assert [p.id for p in first + second] == list(reversed(stored.values()))[:4]


def test_count_by_occupation(repository, stored):
    assert repository.count_by_occupation() == {
        "53-7062": 1, "35-2014": 1, "31-1121": 1, "47-2111": 1, "37-2011": 1,
    }  # fmt: skip
    assert repository.count_by_occupation(level="code", max_rank=2)["53-7065.00"] == 5
    assert repository.count_by_occupation(area="oakland") == {"53-7062": 1}
    assert repository.count_by_occupation(since=START + 3 * DAY) == {"47-2111": 1, "37-2011": 1}


def test_duplicates_are_not_counted(repository, stored, make_posting):
    repost = make_posting(99, kind=0, city="oakland", area="oakland",
                          occupations=[OccupationCode("53-7062.00", 0.8, 1)])  # fmt: skip
    assert repository.upsert([repost]).duplicate == 1
    assert repository.count_by_occupation()["53-7062"] == 1
    assert repository.count_by_occupation(include_duplicates=True)["53-7062"] == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"near": (95, 0, 10)},
        {"near": (37, -122, 0)},
        {"near": (37, -122)},
        {"near": ("north", -122, 5)},
        {"limit": 0},
        {"offset": -1},
        {"codes": ["cook"]},
    ],
)
def test_bad_search_arguments_raise_value_error(repository, kwargs):
    with pytest.raises(ValueError):
        repository.search(**kwargs)


def test_count_by_occupation_rejects_unknown_level(repository):
    with pytest.raises(ValueError, match="level"):
        repository.count_by_occupation(level="major")


def test_near_widening_circles_match_a_full_scan(repository, make_posting):
    import math
    import random

    import numpy as np

    from jobatlas.storage.postings import haversine_km

    rng = random.Random(5)
    postings = []
    for number in range(80):
        # Dense around Oakland and sparse farther out, so some pages fill in the first circle
        # and others only after widening it.
        km, bearing = rng.random() ** 2 * 60, rng.random() * 2 * math.pi
        lat = OAKLAND[0] + km / 111.2 * math.cos(bearing)
        lon = OAKLAND[1] + km / (111.2 * math.cos(math.radians(OAKLAND[0]))) * math.sin(bearing)
        postings.append(make_posting(number, kind=number % 5, latitude=lat, longitude=lon,
                                     posted_at=START + (number % 7) * DAY))  # fmt: skip
    ids = repository.upsert(postings, seen_at=START + 10 * DAY).ids
    lats = np.array([p.latitude for p in postings])
    lons = np.array([p.longitude for p in postings])
    distances = haversine_km(*OAKLAND, lats, lons)
    for radius, limit, offset in [(50, 5, 0), (50, 20, 10), (8, 3, 0), (60, 100, 0), (1, 5, 0)]:
        inside = [i for i in range(len(postings)) if distances[i] <= radius]
        inside.sort(key=lambda i: (distances[i], -postings[i].posted_at.timestamp(), -ids[i]))
        expected = [ids[i] for i in inside[offset : offset + limit]]
        found = repository.search(near=(*OAKLAND, radius), limit=limit, offset=offset,
                                  include_duplicates=True)  # fmt: skip
        assert [p.id for p in found] == expected, (radius, limit, offset)


def test_newest_first_uses_a_posted_date_learned_later(repository, make_posting):
    undated = make_posting(1, kind=0, posted_at=None)
    dated = make_posting(2, kind=1, posted_at=START + 5 * DAY)
    ids = repository.upsert([undated, dated], seen_at=START + 10 * DAY).ids
    # Undated, a posting is listed when first seen: after the other's posted date.
    assert [p.id for p in repository.search()] == ids
    assert [p.id for p in repository.search(until=START + 6 * DAY)] == [ids[1]]
    repository.upsert([make_posting(1, kind=0, posted_at=START)], seen_at=START + 11 * DAY)
    assert [p.id for p in repository.search()] == [ids[1], ids[0]]
    assert [p.id for p in repository.search(until=START + DAY)] == [ids[0]]


def test_near_finds_postings_on_half_degree_latitudes(repository, make_posting):
    # round(2.5) is 2 on PostgreSQL and 3 on SQLite: the search must read both strips.
    points = [(2.5, 10.0), (2.4999, 10.0), (2.5001, 10.0), (-33.5, 151.0), (-33.4999, 151.0)]
    postings = [
        make_posting(n, kind=n, latitude=lat, longitude=lon) for n, (lat, lon) in enumerate(points)
    ]
    ids = repository.upsert(postings).ids
    assert {p.id for p in repository.search(near=(2.5, 10.0, 1))} == set(ids[:3])
    assert {p.id for p in repository.search(near=(-33.5, 151.0, 1))} == set(ids[3:])
    assert [p.id for p in repository.search(near=(2.5001, 10.0, 0.001))] == [ids[2]]


def test_any_rank_limit_finds_the_same_postings(repository, stored):
    few = repository.search(codes=["53-7065.00"], max_rank=2)
    assert [p.id for p in repository.search(codes=["53-7065.00"], max_rank=100)] == [
        p.id for p in few
    ]
    assert repository.search(codes=["53-7065.00"], max_rank=0) == []


@pytest.mark.parametrize("few", [2000, 1], ids=["read-by-id", "circles"])
def test_near_with_occupation_reads_by_id_or_in_circles_alike(
    repository, make_posting, monkeypatch, few
):
    import math

    from jobatlas.storage import postings as module

    monkeypatch.setattr(module, "_FEW_POSTINGS", few)
    postings = []
    for number in range(40):
        km = 2 + number * 1.5  # one posting every 1.5 km going north
        lat = OAKLAND[0] + km / 111.2
        code = "35-2014.00" if number % 3 == 0 else "53-7062.00"
        postings.append(make_posting(number, kind=number % 5, latitude=lat, longitude=OAKLAND[1],
                                     occupations=[OccupationCode(code, 0.9, 1)]))  # fmt: skip
    postings.append(make_posting(99, kind=1, latitude=None, longitude=None,
                                 occupations=[OccupationCode("35-2014.00", 0.9, 1)]))  # fmt: skip
    ids = repository.upsert(postings).ids
    cooks = [ids[n] for n in range(0, 40, 3)]  # nearest first
    found = repository.search(socs=["35-2014"], near=(*OAKLAND, 40), limit=4, offset=2,
                              include_duplicates=True)  # fmt: skip
    inside = [i for n, i in zip(range(0, 40, 3), cooks, strict=True) if 2 + n * 1.5 <= 40]
    assert [p.id for p in found] == inside[2:6]
    assert found[0].distance_km == pytest.approx(2 + 6 * 1.5, abs=0.1)
    assert math.isfinite(found[-1].distance_km)


def test_load_postings_reads_every_chunk_with_codes_best_first(
    repository, make_posting, monkeypatch
):
    from jobatlas.storage import postings as module

    # Three ids per IN list on SQLite, so a page of postings spans several chunks.
    monkeypatch.setattr(module, "IN_CHUNK", 3)
    codes = [OccupationCode("35-2014.00", 0.3, 2), OccupationCode("53-7062.00", 0.6, 1)]
    ids = repository.upsert(
        [make_posting(number, kind=number % 5, occupations=codes) for number in range(8)]
    ).ids
    with repository.engine.connect() as connection:
        loaded = module.load_postings(connection, [*reversed(ids), ids[0], 10_000_000])
        assert module.load_postings(connection, []) == {}
    assert sorted(loaded) == sorted(ids)  # each once; an unknown id is left out
    for posting_id, stored in loaded.items():
        assert stored.id == posting_id
        assert [c.code for c in stored.occupations] == ["53-7062.00", "35-2014.00"]
        assert [c.rank for c in stored.occupations] == [1, 2]
        assert stored.posting.source_id == repository.get(posting_id).posting.source_id
