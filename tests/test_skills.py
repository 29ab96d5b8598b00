"""Skill vocabulary and extraction: software, tools, work activities and credentials."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jobatlas.reference import load_reference
from jobatlas.resume import extract_text
from jobatlas.skills import (
    CREDENTIALS,
    SkillVocabulary,
    credentials_for,
    find_credentials,
    held_credentials,
    required_words,
    stem,
    stems,
)

FIXTURES = Path(__file__).parent / "fixtures" / "resumes"


@pytest.fixture(scope="module")
def ref(model_cache_dir):
    return load_reference(cache_dir=model_cache_dir)


@pytest.fixture(scope="module")
def vocabulary(ref):
    return SkillVocabulary.from_reference(ref)


def names(mentions, kind=None):
    return {m.skill.name for m in mentions if kind is None or m.skill.kind == kind}


def credential_ids(text):
    return [m.skill.id.partition(":")[2] for m in find_credentials(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Class A CDL driver, 6 years OTR", {"cdl_a", "cdl"}),
        ("CDL-A with hazmat endorsement", {"cdl_a", "cdl", "hazmat"}),
        ("CDL Class B, school bus", {"cdl_b", "cdl"}),
        ("Commercial driver's license, class A", {"cdl_a", "cdl"}),
        ("Forklift certified; used pallet jacks", {"forklift"}),
        ("Current food handler card and ServSafe", {"food_handler", "servsafe"}),
        ("C.N.A. with CPR / First Aid", {"cna", "cpr"}),
        ("Certified Nursing Assistant", {"cna"}),
        ("HHA, home health aide for 3 clients", {"hha"}),
        ("LPN license in Ohio", {"lpn"}),
        ("Registered Nurse (RN), BLS", {"rn", "cpr"}),
        ("OSHA 10 and OSHA-30 cards", {"osha_10", "osha_30"}),
        ("EPA 608 Universal certification", {"epa_608"}),
        ("TWIC card holder", {"twic"}),
        ("Certified phlebotomist", {"phlebotomy"}),
        ("Valid security guard license (guard card)", {"security_guard"}),
        ("Pharmacy technician, PTCB certified", {"pharmacy_technician"}),
    ],
)
def test_credentials_found(text, expected):
    assert set(credential_ids(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I turned patients and made beds",  # no credential words at all
        "born in the city of Cna", # acronyms are case-sensitive
        "managed the rn-d budget with returns",
        "cpr is lower case here, Class of 2019",
    ],
)
def test_credentials_not_found_in_ordinary_words(text):
    assert "cna" not in credential_ids(text)
    assert "rn" not in credential_ids(text)
    assert "cdl_a" not in credential_ids(text)


def test_class_a_cdl_includes_class_b():
    held = held_credentials(find_credentials("Class A CDL"))
    assert {"cdl_a", "cdl_b", "cdl"} <= held


def test_credentials_for_occupations():
    assert [c.id for c in credentials_for("53-3032.00")] == ["cdl_a", "cdl"]
    assert "cna" in {c.id for c in credentials_for("31-1131")}
    assert credentials_for("15-1252.00") == []


def test_every_credential_names_real_occupations(ref):
    socs = set(ref.occupations["soc"])
    for credential in CREDENTIALS:
        assert set(credential.socs) <= socs, credential.id


@pytest.mark.parametrize(
    ("word", "expected"),
    [("forklifts", "forklift"), ("batteries", "battery"), ("loaded", "load"),
     ("cooking", "cook"), ("boxes", "box"), ("glass", "glass"), ("bus", "bus"), ("it", "it")],
)
def test_stem(word, expected):
    assert stem(word) == expected


def test_stems_drop_stopwords_and_normalize():
    assert stems("Loaded the trucks and operated forklifts") == [
        "load", "truck", "operat", "forklift"
    ]


def test_truck_driver_resume_skills(vocabulary):
    text = extract_text((FIXTURES / "truck_driver.pdf").read_bytes())
    found = vocabulary.extract(text)
    assert {"Tractor-trailers", "Forklifts", "Pallet jacks"} <= names(found, "tool")
    assert "Jacks" not in names(found)  # the longer phrase wins
    assert "Inspect cargo to ensure it is properly loaded or secured." in names(
        found, "work_activity"
    )
    assert "Commercial driver's license (CDL), Class A" in names(found, "credential")
    assert found[0].skill.kind == "credential"


def test_software_names_and_vendor_short_forms(vocabulary):
    found = vocabulary.extract("Used Excel, QuickBooks and Python; wrote C++; filed with R")
    software = names(found, "technology")
    assert {"Microsoft Excel", "Intuit QuickBooks", "Python"} <= software
    assert "R" not in software and "C++" not in software


def test_single_word_software_is_case_sensitive(vocabulary):
    assert "Zoom" in names(vocabulary.extract("Ran meetings on Zoom"))
    assert "Zoom" not in names(vocabulary.extract("zoom in on details"))


def test_extract_by_kind(vocabulary):
    found = vocabulary.extract("Class A CDL, drove tractor-trailers", kinds=["credential"])
    assert {m.skill.kind for m in found} == {"credential"}
    with pytest.raises(ValueError, match="unknown skill kind"):
        vocabulary.extract("text", kinds=["hobby"])


def test_empty_text_has_no_skills(vocabulary):
    assert vocabulary.extract("") == []


def test_work_activity_lookup(vocabulary):
    found = vocabulary.extract("Cook foods on the grill and prepare foods for serving")
    activity = next(m.skill for m in found if m.skill.kind == "work_activity")
    assert vocabulary.skill(activity.id) == activity
    assert vocabulary.skill("work_activity:nope") is None


@pytest.mark.parametrize(
    ("text", "found"),
    [("Hazmat and tanker endorsements", True), ("Endorsements: doubles, tanker", True),
     ("Drove a tanker truck for a dairy", False)],
)
def test_tanker_endorsement_needs_the_word_endorsement(text, found):
    assert ("tanker" in credential_ids(text)) is found


def test_ambiguous_one_word_tools_are_not_matched(vocabulary):
    assert "Rules" not in names(vocabulary.extract("Followed safety rules and levels"))


def test_every_credential_has_a_cheap_precheck():
    for credential in CREDENTIALS:
        assert required_words(credential.pattern), credential.id


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"(?i:fork[\s-]?lifts?|powered\s+industrial\s+trucks?)", {"fork", "industrial"}),
        (r"\bTWIC\b", {"twic"}),
        (r"tanker(?=[^.]{0,40}endorsement)", {"endorsement"}),
        (r"(?:ab|cd)+e?", {"ab", "cd"}),
        (r"(?:a|b)x", {"x"}),  # single letters become a character set
        (r"x?y*", None),
        (r"(?!no)\w+", None),
    ],
)
def test_required_words(pattern, words):
    assert required_words(pattern) == (None if words is None else frozenset(words))


def _every_credential_by_regex(text):
    return [c.id for c in CREDENTIALS if re.search(c.pattern, text)]


@pytest.mark.parametrize(
    "text",
    [
        "FORKLIFT CERTIFIED, Osha-10, CDL class a, ServSafe manager, EPA 608 universal",
        # Characters IGNORECASE matches to ASCII letters: the precheck must not skip them.
        "FOR\u212aLIFT operator; \u017ferv\u017fafe; L\u0130FEGUARD CERTIFIED",
        "l\u0131feguard certification",
        "LICENSED PRACTICAL NURSE, REGISTERED NURSE, C.N.A., HHA, CPR/BLS, EMT-B",
        "Stra\u00dfe Schlo\u00df \u00c5ngstr\u00f6m, no credentials here",
    ],
)
def test_credentials_found_as_by_every_regex(text):
    assert credential_ids(text) == _every_credential_by_regex(text)


def test_fixture_resume_credentials_as_by_every_regex():
    for path in sorted(FIXTURES.glob("*")):
        if path.suffix in {".txt", ".docx", ".pdf"} and path.stem not in {"empty", "encrypted"}:
            text = extract_text(path.read_bytes(), path.name)
            assert credential_ids(text) == _every_credential_by_regex(text), path.name
