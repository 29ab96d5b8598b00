"""The occupation engine on real reference data (one model trained per test session)."""

from __future__ import annotations

import pytest

from jobatlas.classifier.text import normalize_text
from jobatlas.classifier.training import build_training_set, load_reference_texts
from jobatlas.engine import MAX_CHARS, InputError, OccupationMatch, check_text, load_engine

pytestmark = pytest.mark.slow


def test_load_engine_is_cached_per_process(occupation_settings, occupation_engine):
    assert load_engine(occupation_settings) is occupation_engine
    assert occupation_engine.model_version.startswith("onet29.3-")


def test_classify_title_returns_ranked_matches(occupation_engine):
    matches = occupation_engine.classify("Truck Driver", top_k=5)
    assert len(matches) == 5
    assert all(isinstance(m, OccupationMatch) for m in matches)
    assert matches[0].soc == "53-3032"
    assert matches[0].title
    assert all(0.0 <= m.score <= 1.0 for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert "truck" in " ".join(matches[0].evidence)


@pytest.mark.parametrize(
    ("text", "soc"),
    [
        ("CNA", "31-1131"),
        ("HVAC TECH", "49-9021"),
        ("Landscape/Irrigation Laborer", "37-3011"),
        ("registerd nurse", "29-1141"),
        ("Cashiers &amp; Stockers", "41-2011"),
        ("Class A CDL OTR Driver", "53-3032"),
    ],
)
def test_messy_titles_find_their_occupation(occupation_engine, text, soc):
    socs = [m.soc for m in occupation_engine.classify(text, top_k=5)]
    assert soc in socs


def test_resume_with_several_jobs_lists_each(occupation_engine):
    resume = """Jane Doe
    Springfield, IL

    EXPERIENCE
    Forklift Operator, Acme Warehouse, 2021-2024
    - Loaded and unloaded trailers, moved pallets with a forklift.
    Line Cook, Joe's Diner, 2018-2021
    - Prepared breakfast orders on the grill and kept the kitchen clean.
    Cashier, Corner Market, 2016-2018
    - Ran the register and counted the cash drawer.
    """
    socs = {m.soc for m in occupation_engine.classify(resume, top_k=10)}
    assert {"53-7051", "41-2011"} <= socs
    # O*NET 29.3 lists "Line Cook" as a title of five occupations: any of them is that job.
    assert socs & {"35-2011", "35-2012", "35-2014", "35-2015", "35-2021"}


def test_resume_header_and_schooling_suggest_no_occupation(occupation_engine):
    resume = """Maria Gonzalez
    Houston, TX 77002
    (713) 555-0182 | maria.gonzalez@example.com

    EXPERIENCE
    Line Cook, Pappas Restaurants, 2019-2024
    - Prepared grill and fryer orders for 300 covers a night
    Warehouse Associate, Amazon, 2016-2019
    - Picked and packed orders, loaded trucks

    EDUCATION
    Lamar High School, Diploma
    """
    matches = occupation_engine.classify(resume, top_k=10)
    socs = [m.soc for m in matches]
    assert "35-2014" in socs[:3] and "53-7062" in socs[:3]
    # Before: Secondary School Teachers 0.32 (third) from the school, Sailors and Marine
    # Oilers from the name, Inspectors from the e-mail address ("example").
    assert not any(soc.startswith("25-") or soc in ("53-5011", "51-9061") for soc in socs)


def test_posting_field_labels_suggest_no_occupation(occupation_engine):
    posting = """Landscape Laborer
    We are a busy landscaping company looking for hard workers to join our crew. Duties include
    mowing, trimming hedges, planting, spreading mulch and general yard cleanup.
    Pay: $17-$20/hr depending on experience. Full time, Monday-Friday, some Saturdays.
    Requirements: valid driver's license, reliable transportation, able to lift 50 lbs.
    """
    socs = [m.soc for m in occupation_engine.classify(posting, top_k=5)]
    assert socs[0] == "37-3011"
    assert "33-3041" not in socs  # Parking Enforcement Workers, from "Pay"


def test_posting_with_body(occupation_engine):
    posting = ("Delivery Driver\nWe need a driver with a clean license to deliver packages "
               "on a local route in a company van.")
    socs = [m.soc for m in occupation_engine.classify(posting, top_k=5)]
    assert "53-3033" in socs


def test_classify_many_keeps_order(occupation_engine):
    results = occupation_engine.classify_many(["Cashier", "Welder", "Janitor"], top_k=3)
    assert [r[0].soc for r in results] == ["41-2011", "51-4121", "37-2011"]


@pytest.mark.parametrize("bad", ["", "   \n\t", "\x00\x01\x02binary", b"\xff\xfe\x00", "12345 678"])
def test_bad_text_raises_input_error(occupation_engine, bad):
    with pytest.raises(InputError):
        occupation_engine.classify(bad)


@pytest.mark.parametrize("text", ["司机", "Водитель грузовика"])
def test_text_in_another_script_gets_a_clear_error(text):
    with pytest.raises(InputError, match="Latin alphabet"):
        check_text(text)


def test_dotted_abbreviation_is_classified(occupation_engine):
    assert occupation_engine.classify("C.N.A.")[0].soc == "31-1131"


@pytest.mark.parametrize(("typo", "soc"), [("Forklft Drivr", "53-7051"),
                                          ("Recieving Clerk", "43-5071"),
                                          ("JANITORR", "37-2011")])
def test_misspelled_title_is_classified_as_spelled_right(occupation_engine, typo, soc):
    best = occupation_engine.classify(typo)[0]
    assert best.soc == soc
    assert not any("forklft" in words or "drivr" in words for words in best.evidence)


@pytest.mark.parametrize(("ad", "soc"), [("Cajera", "41-2011"),
                                       ("Se busca cocinero", "35-2014"),
                                       ("Limpieza de casas", "37-2012"),
                                       ("Soldadores", "51-4121"),
                                       ("Operador de montacargas", "53-7051"),
                                       ("Cuidadora de ancianos", "31-1122")])
def test_spanish_job_ads_find_their_occupation(occupation_engine, ad, soc):
    best = occupation_engine.classify(ad)[0]
    assert best.soc == soc
    # Before, "Cajera" was read as a typo of "camera": Camera Equipment Repairers at 0.62.
    assert not any("camera" in words for words in best.evidence)



@pytest.mark.parametrize(("ad", "soc"), [
    # Before the ad wording was removed: Compliance Officers ("driver license" examiners).
    ("Driver with CDL license", "53-3032"),
    ("Landscape Laborer with drivers license", "37-3011"),
    ("CDL A Drivers Needed - $1,500 Sign On Bonus", "53-3032"),
    # Before: Food Preparation Workers; Cooks, Restaurant came fifth.
    ("Experienced Line Cook Wanted", "35-2014"),
    ("Painter with experience", "47-2141"),
    ("Dishwasher - Immediate Start", "35-9021"),
])
def test_craigslist_style_ad_titles_find_their_occupation(occupation_engine, ad, soc):
    best = occupation_engine.classify(ad)[0]
    assert best.soc == soc


@pytest.mark.parametrize(("words", "soc"), [
    # Before: Cooks, Fast Food 0.03 (fourth); Production Workers, All Other 0.12; Cashiers absent.
    ("I was a cook at McDonald's", "35-2011"),
    ("Uber driver", "53-3054"),
    ("I worked the register at Walmart and stocked shelves", "41-2031"),
])
def test_well_known_employers_name_the_workplace(occupation_engine, words, soc):
    assert occupation_engine.classify(words)[0].soc == soc


def test_past_tense_reads_as_the_task_it_names(occupation_engine):
    # "drove" is in no O*NET text; before, Heavy and Tractor-Trailer Truck Drivers had 0.25.
    best = occupation_engine.classify("I drove a truck")[0]
    assert best.soc == "53-3032" and "drive" in " ".join(best.evidence)


def test_pay_in_an_ad_title_is_not_read_as_human_resources(occupation_engine):
    # "$18/hr" was "18 human resources", and "Now Hiring" a human resources call too.
    socs = [m.soc for m in occupation_engine.classify("Now Hiring Warehouse Workers $18/hr",
                                                      top_k=3)]
    assert not any(soc.startswith("13-107") or soc.startswith("43-4161") for soc in socs)
    assert {"53-7062", "53-7065"} & set(socs)



@pytest.mark.parametrize(("words", "soc"), [
    # Before the word vectors: Woodworking Machine Setters 0.25 first, Manicurists 0.24.
    ("I do nails", "39-5092"),
    ("nanny", "39-9011"),
])
def test_word_meaning_beyond_shared_letters(occupation_engine, words, soc):
    assert occupation_engine.classify(words)[0].soc == soc


def test_short_for_part_time_is_not_a_physical_therapist(occupation_engine):
    # Before the word vectors, Physical Therapists 0.32 ranked second ("PT").
    socs = [m.soc for m in occupation_engine.classify("Cashier / Stocker PT", top_k=3)]
    assert "29-1123" not in socs and "41-2011" in socs


def test_long_text_is_truncated():
    assert len(check_text("cook " * 50_000)) == MAX_CHARS


def test_accuracy_floor_on_fixed_unseen_direct_match_titles(occupation_engine):
    """Top-5 detailed-SOC accuracy on 200 fixed DMTF titles unseen in training."""
    from jobatlas.classifier.evaluation import direct_match_titles, score_set

    keys = build_training_set(load_reference_texts(), include_text=False).title_keys()
    unseen = direct_match_titles(keys)
    sample = type(unseen)(unseen.texts[::max(1, len(unseen.texts) // 200)][:200],
                          unseen.socs[::max(1, len(unseen.texts) // 200)][:200])
    assert all(normalize_text(t) not in keys for t in sample.texts)
    result = score_set(occupation_engine.classifier, sample, occupation_engine.socs)
    # This sample measured 0.61 / 0.84 / 0.84 (top-1, top-5, major) and ECE 0.14; all 319
    # unseen titles 0.62 / 0.85 / 0.82 (docs/benchmarks.md). The floors leave room for noise
    # from retraining, not for a return to the plain centroid model (0.54 / 0.82 / 0.78).
    assert result["top1"] >= 0.57
    assert result["top5"] >= 0.80
    assert result["major_top1"] >= 0.79
    assert result["ece"] <= 0.2


def test_classify_many_without_evidence_keeps_codes_and_scores(occupation_engine):
    texts = ["Forklift Operator", "Line cook at a diner, prep and grill"]
    full = occupation_engine.classify_many(texts, top_k=3)
    bare = occupation_engine.classify_many(texts, top_k=3, with_evidence=False)
    assert [[(m.code, m.score) for m in ms] for ms in full] == [
        [(m.code, m.score) for m in ms] for ms in bare]
    assert all(not m.evidence for ms in bare for m in ms)
    assert any(m.evidence for ms in full for m in ms)
