"""Occupation profiles: O*NET content, wages for a place, outlook and related occupations."""

from __future__ import annotations

import dataclasses
import json
from collections import namedtuple

import pytest

from jobatlas.geo import resolve_location
from jobatlas.profiles import (
    UnknownOccupation,
    get_occupation_or_none,
    job_zone_info,
    occupation_profile,
    outlook_words,
    plain,
    resolve_code,
)
from jobatlas.reference import load_reference


@pytest.fixture(scope="module")
def ref(model_cache_dir):
    return load_reference(cache_dir=model_cache_dir)


@pytest.fixture(scope="module")
def truck_driver(ref):
    return occupation_profile(ref, "53-3032", resolve_location("43215"))


def test_basic_facts(truck_driver):
    assert truck_driver.code == "53-3032.00"
    assert truck_driver.soc == "53-3032"
    assert truck_driver.title == "Heavy and Tractor-Trailer Truck Drivers"
    assert truck_driver.description.startswith("Drive a tractor-trailer")
    assert truck_driver.onet_url == "https://www.onetonline.org/link/summary/53-3032.00"


def test_tasks_core_first(ref, truck_driver):
    assert len(truck_driver.tasks) == 10
    tasks = ref.tasks[ref.tasks["code"] == "53-3032.00"].set_index("task")["task_type"]
    kinds = [tasks[task] for task in truck_driver.tasks]
    assert kinds == sorted(kinds, key=lambda kind: kind != "Core")


def test_skills_and_knowledge_by_importance(truck_driver):
    importance = [rating.importance for rating in truck_driver.skills]
    assert importance == sorted(importance, reverse=True)
    assert truck_driver.skills[0].name == "Operation and Control"
    assert "Transportation" in [k.name for k in truck_driver.knowledge[:3]]


def test_hot_technology_first(ref):
    profile = occupation_profile(ref, "35-2014.00")
    flags = [item.hot for item in profile.technology]
    assert flags == sorted(flags, reverse=True)
    assert flags[0] is True


def test_tools_recognizable_first(ref, truck_driver):
    names = [tool.name for tool in truck_driver.tools]
    assert {"Forklifts", "Dump trucks"} <= set(names)
    assert len(names) == 15
    everywhere = occupation_profile(ref, "35-2014.00").tools
    assert everywhere[0].name == "Point of sale POS computer terminals"


def test_job_zone_in_plain_words(truck_driver, ref):
    zone = truck_driver.job_zone
    assert zone.zone == 2
    assert zone.name == "Some preparation needed"
    assert zone.plain.startswith("Usually a high school diploma")
    assert job_zone_info(ref, 1).name == "Little or no preparation needed"
    assert job_zone_info(ref, None) is None


def test_typical_education(truck_driver):
    assert truck_driver.typical_education.startswith("High School Diploma")


def test_wages_national_and_metro(truck_driver):
    national, local = truck_driver.wages["national"], truck_driver.wages["local"]
    assert national.annual_median == 58640.0
    assert national.hourly_median == 28.19
    assert local.level == "metro"
    assert local.area_title == "Columbus, OH"
    assert local.annual_median == 61720.0


def test_state_wage_when_no_metro_data(ref):
    # A micropolitan area has no OEWS metro estimates; pay falls back to the state.
    location = resolve_location("Athens, OH")
    assert location.cbsa is not None
    profile = occupation_profile(ref, "53-3032", location)
    assert profile.wages["local"].level == "state"
    assert profile.wages["local"].area_title == "Ohio"


def test_no_location_no_local_wage(ref):
    profile = occupation_profile(ref, "53-3032.00")
    assert profile.wages["local"] is None
    assert profile.location is None


def test_outlook(truck_driver):
    outlook = truck_driver.outlook
    assert outlook.change_pct == 4.0
    assert outlook.words == "As fast as average"
    assert outlook.annual_openings == 237_600
    assert outlook.training == "Short-term on-the-job training"


def test_outlook_of_an_aggregate(ref):
    # BLS projects home health and personal care aides together (31-1120).
    outlook = occupation_profile(ref, "31-1122.00").outlook
    assert outlook.projection_code == "31-1120"
    assert outlook.match in {"aggregate", "broad"}
    assert outlook.words == "Much faster than average"


@pytest.mark.parametrize(
    ("change", "words"),
    [(20.0, "Much faster than average"), (7.6, "Much faster than average"),
     (5.2, "Faster than average"), (3.1, "As fast as average"), (1.0, "Slower than average"),
     (0.4, "Little or no change"), (-1.2, "Little or no change"), (-4.0, "Decline"),
     (None, None), (float("nan"), None)],
)
def test_outlook_words(change, words):
    assert outlook_words(change) == words


def test_related_occupations(truck_driver):
    related = truck_driver.related
    assert related[0].tier == "Primary-Short"
    assert "53-3033.00" in {r.code for r in related}
    assert all(r.title for r in related)


def test_credentials_on_profile(truck_driver, ref):
    assert "Commercial driver's license (CDL), Class A" in truck_driver.credentials
    assert occupation_profile(ref, "15-1252.00").credentials == []


def test_to_dict_is_json(truck_driver):
    data = json.loads(json.dumps(truck_driver.to_dict()))
    assert data["job_zone"]["zone"] == 2
    assert data["wages"]["local"]["annual_median"] == 61720.0
    assert data["location"]["cbsa"] == "18140"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("53-3032", "53-3032.00"), ("533032", "53-3032.00"), ("53303200", "53-3032.00"),
     (" 35-3023.01 ", "35-3023.01")],
)
def test_resolve_code_forms(ref, code, expected):
    assert resolve_code(ref, code) == expected


def test_bad_codes(ref):
    with pytest.raises(UnknownOccupation, match="is not a SOC code"):
        resolve_code(ref, "truck")
    with pytest.raises(UnknownOccupation, match="major group 99"):
        resolve_code(ref, "99-1234")
    with pytest.raises(UnknownOccupation, match="no O\\*NET occupation"):
        resolve_code(ref, "53-3032.99")
    assert get_occupation_or_none(ref, "53-3099.99") is None
    assert get_occupation_or_none(ref, "nonsense") is None
    assert get_occupation_or_none(ref, "53-3032")["title"].startswith("Heavy")


def test_profiles_do_not_share_mutable_lists(ref):
    first = occupation_profile(ref, "53-3032")
    first.tasks.clear()
    first.wages["local"] = "changed"
    again = occupation_profile(ref, "53-3032")
    assert len(again.tasks) == 10
    assert again.wages["local"] is None


def test_same_occupation_in_two_places(ref):
    columbus = occupation_profile(ref, "53-3032", resolve_location("43215"))
    chicago = occupation_profile(ref, "53-3032", resolve_location("60601"))
    assert columbus.wages["local"].area_title == "Columbus, OH"
    assert chicago.wages["local"].area_title.startswith("Chicago")
    assert chicago.location["zip"] == "60601"


def test_to_dict_is_what_asdict_gives(truck_driver):
    assert truck_driver.to_dict() == dataclasses.asdict(truck_driver)
    assert type(truck_driver.to_dict()["tasks"]) is list


@dataclasses.dataclass
class _Box:
    items: object


class _Items(list):
    pass


def test_plain_matches_asdict_for_odd_values():
    Point = namedtuple("Point", "x y")
    box = _Box({"a": (1, _Box([2.5, None])), ("k", 1): Point(1, 2), "l": _Items([_Box("s")])})
    converted = plain(box)
    assert converted == dataclasses.asdict(box)
    assert type(converted["items"][("k", 1)]) is Point
    assert type(converted["items"]["l"]) is _Items
    # Mutable leaves are copies, as with asdict.
    leaf = _Box({"set": {1, 2}})
    assert plain(leaf)["items"]["set"] is not leaf.items["set"]
