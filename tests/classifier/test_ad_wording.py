"""Recruiting wording of ad titles is removed; job words and real titles are left alone."""

from __future__ import annotations

import pytest

from jobatlas.classifier.ad_wording import strip_ad_wording
from jobatlas.classifier.text import normalize_text, title_head


@pytest.mark.parametrize(("ad", "job"), [
    ("Now Hiring Warehouse Workers $18/hr", "warehouse worker"),
    ("Experienced Line Cook Wanted - FT/PT", "line cook"),
    ("CDL A Drivers Needed - $1,500 Sign On Bonus", "commercial driver license a driver"),
    ("Landscape Laborer with drivers license", "landscape laborer"),
    ("Landscape Laborer w/ valid driver's license", "landscape laborer"),
    ("Driver with CDL license", "driver with commercial driver license"),
    ("Hiring Cooks", "cook"),
    ("HIRING: Dishwasher, start today!", "dishwasher"),
    ("Truck Driver 55 CPM", "truck driver"),
    ("OTR Driver $0.65 per mile", "over the road truck driver"),
    ("Cook $15-$18 per hour", "cook"),
    ("Caregiver up to $22/hr, weekly pay", "caregiver"),
    ("Welder 25/hr", "welder"),
    ("Cashier part-time", "cashier"),
    ("Full Time Janitor F/T", "janitor"),
    ("Maintenance tech with own tools", "maintenance technician"),
    ("Painter - no experience needed, will train", "painter"),
    ("Mechanic (experience required)", "mechanic"),
    ("Housekeeper needed immediately", "housekeeper"),
    ("Servers - Immediate Start - Apply in Person", "server"),
    ("Se solicitan meseras con experiencia", "waitress"),
    ("Limpieza de oficinas - medio tiempo", "cleaning de office"),
    ("Urgente: se necesita soldador", "welder"),
])
def test_ad_titles_keep_only_the_job(ad, job):
    assert normalize_text(ad) == job


@pytest.mark.parametrize("title", [
    "Hiring Manager", "Hiring Specialist", "Home Care PT", "Urgent Care Nurse",
    "Shift Supervisor", "911 Dispatcher", "Driver License Examiner", "Starter",
    "Own Account Worker", "Part Timer", "Payroll Clerk", "Time Keeper",
])
def test_job_titles_are_unchanged(title):
    assert strip_ad_wording(title) == title


def test_text_of_nothing_but_ad_wording_is_kept():
    # Nothing would be left to classify; the text's own words are better than an empty one.
    assert strip_ad_wording("Now Hiring!") == "Now Hiring!"
    assert strip_ad_wording("$18/hr") == "$18/hr"


def test_words_either_side_stay_apart():
    assert normalize_text("Cook$18/hr-Dishwasher") == "cook dishwasher"


def test_a_requirement_ends_the_title_head():
    assert title_head("Driver with CDL license") == "Driver"
    assert title_head("Cook w/ experience") == "Cook"
    assert title_head("Forklift Operator") == "Forklift Operator"


@pytest.mark.slow
def test_titles_of_training_and_evaluation_hold_no_ad_wording():
    # The wording was never learned as noise because titles do not hold it; were that to
    # change (a new O*NET release), stripping would start removing words of real titles.
    from jobatlas.classifier.evaluation import direct_match_titles
    from jobatlas.classifier.training import load_reference_texts, title_rows

    titles = set(title_rows(load_reference_texts())["text"].dropna())
    titles |= set(direct_match_titles(set()).texts)
    assert len(titles) > 50_000
    changed = sorted(title for title in titles if strip_ad_wording(title) != title)
    assert changed == ["Part Time Flexible Clerk", "Part Time Flexible Clerk (PTF Clerk)"]


def test_long_texts_are_left_as_written():
    sentence = "Restocked shelves as needed and trained new hires. " * 5
    assert len(sentence) > 200
    assert strip_ad_wording(sentence) == sentence
