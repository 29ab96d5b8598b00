"""Personalized recommendations: own occupations, moves with skill gaps, nearby postings."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jobatlas.geo import resolve_location
from jobatlas.postings.records import Compensation, OccupationCode, Posting
from jobatlas.recommend import (
    match_words,
    recommend,
    recommend_for_matches,
    recommender_index,
)
from jobatlas.reference import load_reference
from jobatlas.resume import extract_text

FIXTURES = Path(__file__).parent / "fixtures" / "resumes"


@dataclass(frozen=True)
class Match:
    """Classifier output as plain data (the fields of ``engine.OccupationMatch``)."""

    code: str
    score: float
    title: str = ""
    soc: str = ""
    evidence: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def ref(model_cache_dir):
    return load_reference(cache_dir=model_cache_dir)


@pytest.fixture(scope="module")
def index(ref):
    return recommender_index(ref)


@pytest.fixture(scope="module")
def columbus():
    return resolve_location("43215")


def moves(ref, index, text, matches, **kwargs):
    return recommend_for_matches(text, matches, ref, index, **kwargs)


TRUCK = [Match("53-3032.00", 0.7, evidence=["Class A CDL"]), Match("53-3033.00", 0.1)]
COOK = [Match("35-2014.00", 0.6), Match("35-2021.00", 0.2)]
WAREHOUSE = [Match("53-7062.00", 0.7), Match("53-7065.00", 0.1)]


def test_index_is_built_once_per_reference(ref, index):
    assert recommender_index(ref) is index


def test_own_occupations_with_words_wages_and_outlook(ref, index, columbus):
    result = moves(ref, index, "Class A CDL driver", TRUCK, location=columbus)
    first = result.occupations[0]
    assert first.code == "53-3032.00"
    assert first.title == "Heavy and Tractor-Trailer Truck Drivers"
    assert first.match == "Strong match"
    assert first.evidence == ["Class A CDL"]
    assert first.job_zone.zone == 2
    assert first.training == "Postsecondary nondegree award; Short-term on-the-job training"
    assert first.wage["national"].annual_median == 58640.0
    assert first.wage["local"].area_title == "Columbus, OH"
    assert first.wage["local"].annual_median == 61720.0
    assert first.outlook.words == "As fast as average"
    assert first.onet_url.endswith("/53-3032.00")


def test_related_occupations_of_a_cook(ref, index):
    text = "Line cook: grilled steaks, fried fish, prepped vegetables on the grill station."
    result = moves(ref, index, text, COOK)
    codes = [move.code for move in result.related]
    assert "35-2015.00" in codes[:3]  # short-order cooks
    assert not {"35-2014.00", "35-2021.00"} & set(codes)  # their own occupations are not moves
    assert all(move.related_to for move in result.related)
    assert result.related == sorted(result.related, key=lambda move: -move.score)


def test_moves_are_personalized_to_the_text(ref, index):
    baking = moves(ref, index, "Baked bread and pastries, mixed dough, decorated cakes.", COOK)
    grill = moves(ref, index, "Grilled steaks, fried fish, line cook on the grill.", COOK)
    rank = {
        name: [m.code for m in result.related].index("51-3011.00")
        for name, result in (("baking", baking), ("grill", grill))
    }
    assert rank["baking"] == 0  # bakers
    assert rank["grill"] > rank["baking"]


def test_skill_gap_names_a_missing_license(ref, index):
    text = "Warehouse associate: loaded trucks, picked orders, stacked boxes."
    result = moves(ref, index, text, WAREHOUSE)
    forklift = next(m for m in result.related if m.code == "53-7051.00")
    gaps = {(gap.kind, gap.name) for gap in forklift.skill_gaps}
    assert ("credential", "Forklift operator certification") in gaps
    assert all(gap.detail for gap in forklift.skill_gaps)


def test_no_gap_for_what_the_text_mentions(ref, index):
    text = "Warehouse associate: loaded trucks with a forklift, picked orders."
    result = moves(ref, index, text, WAREHOUSE)
    forklift = next(m for m in result.related if m.code == "53-7051.00")
    assert "Forklift operator certification" not in {gap.name for gap in forklift.skill_gaps}


def test_skill_gap_from_ratings(ref, index):
    result = moves(
        ref,
        index,
        "Certified nursing assistant, took vital signs.",
        [Match("31-1131.00", 0.8)],
        job_zones=(1, 2, 3),
    )
    lpn = next(m for m in result.related if m.code == "29-2061.00")
    kinds = {gap.kind for gap in lpn.skill_gaps}
    assert {"credential"} <= kinds and kinds & {"skill", "knowledge"}
    assert "Licensed practical / vocational nurse (LPN/LVN) license" in {
        gap.name for gap in lpn.skill_gaps
    }


def test_class_a_cdl_covers_class_b(ref, index):
    result = moves(ref, index, "Class A CDL", TRUCK, job_zones=(1, 2, 3), related_k=40)
    names = {gap.name for move in result.related for gap in move.skill_gaps}
    assert "Commercial driver's license (CDL), Class B" not in names


@pytest.mark.parametrize("zones", [(1,), (1, 2), (3,), (4, 5)])
def test_job_zone_filter(ref, index, zones):
    nurse = [Match("29-1141.00", 0.5), Match("31-1131.00", 0.3), Match("29-2061.00", 0.2)]
    result = moves(ref, index, "nurse", nurse, job_zones=zones)
    shown = [*result.occupations, *result.related]
    assert {item.job_zone.zone for item in shown} <= set(zones)
    assert result.job_zones == sorted(zones)


def test_default_job_zones_are_little_to_medium(ref, index):
    result = moves(ref, index, "nurse", [Match("29-2061.00", 0.6), Match("11-9111.00", 0.3)])
    assert [o.code for o in result.occupations] == ["29-2061.00"]  # the manager (zone 4) hidden
    assert result.job_zones == [1, 2, 3]


@pytest.mark.parametrize("zones", [(), (0,), (1, 6)])
def test_bad_job_zones(ref, index, zones):
    with pytest.raises(ValueError, match="job_zones"):
        moves(ref, index, "cook", COOK, job_zones=zones)


@pytest.mark.parametrize(
    ("score", "words"),
    [
        (0.9, "Strong match"),
        (0.5, "Strong match"),
        (0.3, "Good match"),
        (0.07, "Possible match"),
        (0.01, "Weak match"),
    ],
)
def test_match_words(score, words):
    assert match_words(score) == words


def test_to_dict_is_json(ref, index, columbus):
    result = moves(ref, index, "Class A CDL driver", TRUCK, location=columbus)
    data = json.loads(json.dumps(result.to_dict()))
    assert set(data) >= {"occupations", "related", "postings", "postings_status", "location"}
    occupation = data["occupations"][0]
    assert set(occupation) >= {
        "code",
        "title",
        "score",
        "match",
        "evidence",
        "job_zone",
        "training",
        "wage",
        "outlook",
        "onet_url",
    }
    assert data["related"][0]["skill_gaps"] is not None
    assert data["location"]["cbsa"] == "18140"
    assert {
        "name": "Commercial driver's license (CDL), Class A",
        "kind": "credential",
        "phrase": "Class A CDL",
    } in data["skills_found"]
    assert result.to_dict() == dataclasses.asdict(result)


def test_postings_status_without_repository_or_location(ref, index, columbus):
    assert moves(ref, index, "cdl", TRUCK, location=columbus).postings_status == "unavailable"


# --- postings from a real repository ----------------------------------------------------------


@pytest.fixture
def repository(database_url):
    from jobatlas.storage import PostingRepository, make_engine, upgrade

    upgrade(database_url)
    engine = make_engine(database_url)
    yield PostingRepository(engine)
    engine.dispose()


def _posting(source_id, code, lat, lon, days_old, title="Truck driver", pay=None):
    return Posting(
        source="test",
        source_id=source_id,
        url=f"https://example.org/{source_id}",
        title=title,
        employer="Acme Freight",
        latitude=lat,
        longitude=lon,
        posted_at=datetime(2026, 11, 20, tzinfo=UTC) - timedelta(days=days_old),
        compensation=pay or Compensation(),
        occupations=[OccupationCode(code, 0.9)],
    )


def test_postings_nearest_and_newest(ref, index, columbus, repository):
    repository.upsert(
        [
            _posting("far-new", "53-3032.00", 40.30, -83.07, 0),  # ~37 km north, today
            _posting(
                "near-old",
                "53-3032.00",
                39.97,
                -83.00,
                20,
                pay=Compensation(raw="$28/hr", min_amount=28.0, unit="hour"),
            ),
            _posting("near-new", "53-3032.00", 39.98, -83.02, 1),
            _posting("cook", "35-2014.00", 39.97, -83.00, 0, title="Cook"),
            _posting("chicago", "53-3032.00", 41.88, -87.63, 0),
        ]
    )
    result = moves(ref, index, "Class A CDL", TRUCK, location=columbus, repository=repository)
    assert result.postings_status == "ok"
    urls = [p.url.rsplit("/", 1)[1] for p in result.postings]
    assert urls == ["near-new", "near-old", "far-new"]
    near_old = result.postings[1]
    assert near_old.pay == "$28 per hour"
    assert near_old.employer == "Acme Freight"
    assert near_old.distance_km < 5
    assert near_old.occupation == "Heavy and Tractor-Trailer Truck Drivers"
    assert near_old.posted_at.startswith("2026-10-31")


def test_postings_none_stored_near_the_person(ref, index, repository):
    repository.upsert([_posting("chicago", "53-3032.00", 41.88, -87.63, 0)])
    result = moves(
        ref, index, "Class A CDL", TRUCK, location=resolve_location("43215"), repository=repository
    )
    assert result.postings_status == "none_stored"
    assert result.postings == []


def test_postings_need_a_location(ref, index, repository):
    result = moves(ref, index, "Class A CDL", TRUCK, repository=repository)
    assert result.postings_status == "no_location"


# --- with the real occupation engine ----------------------------------------------------------


@pytest.fixture(scope="module")
def engine(model_cache_dir):
    from jobatlas.config import Settings

    load_engine = pytest.importorskip("jobatlas.engine").load_engine
    return load_engine(Settings(cache_dir=Path(model_cache_dir)))


@pytest.mark.slow
def test_truck_driver_resume_end_to_end(ref, engine, columbus):
    text = extract_text((FIXTURES / "truck_driver.pdf").read_bytes())
    result = recommend(text, engine, ref, location=columbus, top_k=5)
    assert "53-3032.00" in [o.code for o in result.occupations[:3]]
    assert result.related
    assert all(move.code not in {o.code for o in result.occupations[:1]} for move in result.related)


@pytest.mark.slow
def test_cook_resume_end_to_end(ref, engine):
    text = extract_text((FIXTURES / "line_cook.docx").read_bytes())
    result = recommend(text, engine, ref, top_k=5)
    assert {o.code[:7] for o in result.occupations[:3]} & {"35-2014", "35-2015", "35-2021"}


def test_recommend_validates_top_k(ref, index):
    with pytest.raises(ValueError, match="top_k"):
        recommend("cook", engine=None, ref=ref, top_k=0, index=index)


def test_unknown_codes_from_the_classifier_are_skipped(ref, index):
    result = moves(ref, index, "cook", [Match("35-2099.99", 0.9), *COOK])
    assert [o.code for o in result.occupations] == ["35-2014.00", "35-2021.00"]


def test_no_item_gap_for_what_own_occupations_use(ref, index):
    result = moves(ref, index, "Warehouse associate", WAREHOUSE, related_k=20)
    sizes = []
    for kind, items in (("tool", index.tools), ("technology", index.technology)):
        own = {name for match in WAREHOUSE for name in items.get(match.code, ())}
        listed = {g.name for move in result.related for g in move.skill_gaps if g.kind == kind}
        assert not listed & own
        sizes.append(len(own))
    assert any(sizes)  # the check above has something to check


def test_tie_breakers_are_nudges_of_each_occupation(index):
    from jobatlas.recommend import _tie_breaker

    assert index.tie_breakers.keys() == set(index.codes)
    assert all(index.tie_breakers[c] == _tie_breaker(index.facts[c]) for c in index.codes)
    assert len(set(index.tie_breakers.values())) > 1
    assert max(index.tie_breakers.values()) <= 0.05
