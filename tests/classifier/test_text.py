"""Normalization of messy job text."""

from __future__ import annotations

import pytest

from jobatlas.classifier.text import normalize_text, singular, title_head, title_lines


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("WAREHOUSE WORKER", "warehouse worker"),
        ("Cook &amp; Dishwasher", "cook dishwasher"),
        ("<b>Truck</b>&nbsp;Driver", "truck driver"),
        ("Landscape/Irrigation Laborer", "landscape irrigation laborer"),
        ("Registered Nurses", "registered nurse"),
        ("CNA", "certified nursing assistant"),
        ("Class A CDL OTR Driver", "class a commercial driver license over the road truck driver"),
        ("HVAC Tech", "heating ventilation air conditioning technician"),
        ("LPN / RN", "licensed practical nurse registered nurse"),
        ("PCA, HHA", "personal care aide home health aide"),
        ("EMT-Basic", "emergency medical technician basic"),
        ("CNAs needed", "certified nursing assistant"),
        ("Niñera / Café Cashier", "nanny cafe cashier"),  # accents folded, then Spanish
        ("Crème Brûlée Cook", "creme brulee cook"),
        ("ÉCOLE BUS DRIVER", "ecole bus driver"),
        ("C.N.A.", "certified nursing assistant"),
        ("R.N, L.P.N. wanted", "registered nurse licensed practical nurse"),
        ("E.M.T.-Basic", "emergency medical technician basic"),
        ("Forewoman", "foreman"),
        ("Foreperson / Foremen", "foreman foreman"),
        ("Saleswomen and salespeople", "salesman and salesman"),
        ("Handyperson", "handyman"),
        ("Hskpr / Drvr", "housekeeper driver"),
        ("Mfg Opr", "manufacturing operator"),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


def test_capitals_only_abbreviation_needs_capitals():
    assert normalize_text("IT Support") == "information technology support"
    assert normalize_text("fix it fast") == "fix it fast"


def test_all_caps_text_does_not_expand_english_words():
    assert normalize_text("DRIVER OR LOADER") == "driver or loader"


def test_cached_expansions_keep_the_capitals_rule_of_each_text():
    # The same token seen in shouting and in ordinary text expands differently each time.
    for _ in range(2):
        assert normalize_text("NURSE OR TECH") == "nurse or technician"
        assert normalize_text("Nurse, OR") == "nurse operating room"
        assert normalize_text("ÉCOLE OR") == "ecole or"


@pytest.mark.parametrize("text", ["women", "woman", "person", "people", "specimen",
                                  "business acumen", "human resource", "omen"])
def test_words_that_only_look_like_compounds_stay(text):
    assert normalize_text(text) == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Ph.D. chemist", "ph d chemist"), ("3.5 years", "3 5 year"),
     ("j.doe@example.com", "j doe example com"), ("J. Smith", "j smith")],
)
def test_dots_that_are_not_initials_still_split_words(raw, expected):
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("cashiers", "cashier"), ("nannies", "nanny"), ("boxes", "box"), ("glass", "glass"),
     ("status", "status"), ("bus", "bus")],
)
def test_singular(word, expected):
    assert singular(word) == expected


def test_title_head_drops_qualifiers():
    assert title_head("CAD Drafter (Computer Aided Design Drafter)") == "CAD Drafter"
    assert title_head("Cook - Night Shift") == "Cook"
    assert title_head("Cashier") == "Cashier"


def test_title_lines_keeps_job_lines_only():
    resume = """Jane Doe

    WORK EXPERIENCE
    Forklift Operator, ABC Co, 2019-2021
    - Loaded trucks, moved pallets with a forklift and kept the dock clean
    • Line Cook, Joe's Diner, 2016-2019
    * Cashier
    Prepared breakfast orders on the grill.
    """
    assert title_lines(resume, max_words=10) == ["Jane Doe", "Forklift Operator", "Line Cook",
                                                 "Cashier"]


def test_title_lines_skips_long_lines_and_markup():
    text = "<p>Delivery Driver</p><br>" + "We need a driver with a clean license " * 3
    assert title_lines(text, max_words=10) == ["Delivery Driver"]



def test_title_lines_skip_contact_lines_and_schooling():
    resume = """Maria Gonzalez
    Houston, TX 77002
    (713) 555-0182 | maria.gonzalez@example.com
    www.linkedin.com/in/mgonzalez

    EXPERIENCE
    Line Cook, Pappas Restaurants, 2019-2024

    EDUCATION
    Lamar High School, Diploma
    Houston Community College

    CERTIFICATIONS
    ServSafe Food Handler
    """
    assert title_lines(resume, max_words=10) == ["Maria Gonzalez", "Line Cook",
                                                 "ServSafe Food Handler"]


def test_title_lines_read_jobs_again_after_a_schooling_section():
    resume = "Education:\nLincoln High School\nWork History:\nDishwasher\n"
    assert title_lines(resume, max_words=10) == ["Dishwasher"]


def test_title_lines_skip_posting_field_labels():
    posting = """Landscape Laborer
    Pay: $17-$20/hr depending on experience.
    Requirements: valid driver's license
    Duties:
    Mowing
    Trimming hedges
    Experience
    Prep Cook
    """
    # "Pay" alone was read as a job line: Parking Enforcement Workers 0.10.
    assert title_lines(posting, max_words=10) == ["Landscape Laborer", "Prep Cook"]


def test_title_lines_take_the_job_of_a_position_label():
    assert title_lines("Position: Line Cook\nJob Title: Dishwasher\n", max_words=10) == [
        "Line Cook", "Dishwasher"]
