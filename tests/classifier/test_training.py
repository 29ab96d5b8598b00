"""Training data from the shipped reference tables: the employment prior."""

from __future__ import annotations

import pytest

from jobatlas.classifier.training import employment_prior, load_reference_texts
from jobatlas.reference import wages
from jobatlas.reference.files import PACKAGE_DATA_DIR


@pytest.fixture(scope="module")
def prior_and_jobs():
    ref = load_reference_texts()
    frame = wages.load_oews(PACKAGE_DATA_DIR, wages.NATIONAL)
    jobs = dict(zip(frame["code"], frame["employment"], strict=True))
    return ref, employment_prior(ref), jobs


def test_every_occupation_has_a_positive_prior(prior_and_jobs):
    ref, prior, _ = prior_and_jobs
    assert set(prior) == set(ref.occupations["O*NET-SOC Code"])
    assert min(prior.values()) > 0


def test_detailed_soc_employment_goes_to_its_occupation(prior_and_jobs):
    _, prior, jobs = prior_and_jobs
    assert prior["53-7051.00"] == jobs["53-7051"]


def test_broader_oews_code_is_shared_by_the_occupations_below_it(prior_and_jobs):
    # OEWS publishes home health and personal care aides together as 31-1120.
    _, prior, jobs = prior_and_jobs
    assert prior["31-1121.00"] == prior["31-1122.00"] == jobs["31-1120"] / 2


def test_occupations_oews_does_not_cover_get_the_smallest_share(prior_and_jobs):
    _, prior, _ = prior_and_jobs
    assert prior["55-1011.00"] == min(prior.values())
