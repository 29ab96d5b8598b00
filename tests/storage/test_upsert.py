from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from jobatlas.postings.records import Compensation, OccupationCode
from jobatlas.storage.duplicates import stored_band_keys
from jobatlas.storage.models import PostingBandRow, PostingRow

T1 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
T2 = T1 + timedelta(days=3)
DAY = timedelta(days=1)


def _row_count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(PostingRow)).scalar_one()


def test_upsert_twice_never_makes_a_second_row(repository, engine, make_posting):
    postings = [make_posting(i, kind=i) for i in range(4)]
    first = repository.upsert(postings, seen_at=T1)
    again = repository.upsert(postings, seen_at=T2)
    assert (first.new, first.updated, first.duplicate) == (4, 0, 0)
    assert (again.new, again.updated, again.duplicate) == (0, 4, 0)
    assert again.ids == first.ids and len(set(first.ids)) == 4
    assert _row_count(engine) == 4


def test_seen_again_moves_last_seen_and_updates_changed_fields(repository, make_posting):
    posting = make_posting(1, employer="Acme Logistics")
    [posting_id] = repository.upsert([posting], seen_at=T1).ids
    changed = dataclasses.replace(
        posting, title="Warehouse Associate - Nights", employer=None, area=None
    )
    repository.upsert([changed], seen_at=T2)
    stored = repository.get(posting_id)
    assert (stored.first_seen, stored.last_seen) == (T1, T2)
    assert stored.posting.title == "Warehouse Associate - Nights"
    # A missing value on the second sighting does not erase what the first one found.
    assert (stored.posting.employer, stored.posting.area) == ("Acme Logistics", "sfbay")


def test_an_older_sighting_does_not_move_last_seen_back(repository, make_posting):
    [posting_id] = repository.upsert([make_posting(1)], seen_at=T2).ids
    repository.upsert([make_posting(1)], seen_at=T1)
    stored = repository.get(posting_id)
    assert (stored.first_seen, stored.last_seen) == (T1, T2)


def test_stored_posting_round_trips_with_cleaned_fields(repository, make_posting):
    posting = make_posting(1, employment_type="Full Time", region="California",
                           occupations=[OccupationCode("53-7062.00", 0.82, 1),
                                        OccupationCode("53-7051", 0.11, 2)],
                           model_version="clf-1")  # fmt: skip
    [posting_id] = repository.upsert([posting], seen_at=T1).ids
    stored = repository.get(posting_id)
    assert stored.posting.compensation == Compensation("$18 - $22 per hour", 18, 22, "hour")
    assert (stored.posting.employment_type, stored.posting.region) == ("FULL_TIME", "CA")
    assert stored.posting.posted_at == posting.posted_at
    assert [(o.code, o.rank) for o in stored.occupations] == [("53-7062.00", 1), ("53-7051.00", 2)]
    assert stored.posting.model_version == "clf-1"
    assert stored.posting.fingerprint is not None
    assert repository.get(posting_id + 1000) is None


def test_repost_under_a_new_id_links_to_the_first_copy(repository, make_posting):
    first = make_posting(1)
    # Reposts change phone numbers, pay by a dollar and spacing: same fingerprint.
    repost = make_posting(2, body=first.body.replace("90 days", "60  days") + " Call 555-0100")
    [first_id] = repository.upsert([first], seen_at=T1).ids
    result = repository.upsert([repost], seen_at=T2)
    assert (result.new, result.duplicate) == (0, 1)
    assert repository.get(result.ids[0]).duplicate_of == first_id
    assert [p.id for p in repository.search()] == [first_id]
    assert len(repository.search(include_duplicates=True)) == 2


def test_cross_post_with_edits_in_another_area_is_a_near_duplicate(repository, make_posting):
    first = make_posting(1)
    edited = first.body.replace("Weekly pay, benefits after 90 days.", "Apply in person today.")
    cross_post = make_posting(2, area="sacramento", body=edited + " Ask for Maria at the desk.")
    [first_id] = repository.upsert([first], seen_at=T1).ids
    assert cross_post.body != first.body
    result = repository.upsert([cross_post], seen_at=T2)
    assert result.duplicate == 1
    assert repository.get(result.ids[0]).duplicate_of == first_id


def test_repost_of_a_repost_links_to_the_original(repository, make_posting):
    ids = [repository.upsert([make_posting(n)], seen_at=T1).ids[0] for n in (1, 2, 3)]
    assert [repository.get(i).duplicate_of for i in ids] == [None, ids[0], ids[0]]


def test_copies_within_one_batch_link_to_the_first(repository, make_posting):
    result = repository.upsert(
        [make_posting(1), make_posting(2, kind=1), make_posting(3), make_posting(4)], seen_at=T1
    )
    assert (result.new, result.duplicate) == (2, 2)
    links = [repository.get(i).duplicate_of for i in result.ids]
    assert links == [None, None, result.ids[0], result.ids[0]]


def test_duplicates_link_across_batches(engine, make_posting):
    from jobatlas.storage import PostingRepository

    repository = PostingRepository(engine, batch_size=2)
    result = repository.upsert([make_posting(n, kind=n % 2) for n in range(5)], seen_at=T1)
    assert (result.new, result.duplicate) == (2, 3)
    links = [repository.get(i).duplicate_of for i in result.ids]
    assert links == [None, None, result.ids[0], result.ids[1], result.ids[0]]


def test_different_ads_are_not_linked(repository, make_posting):
    result = repository.upsert([make_posting(n, kind=n) for n in range(4)], seen_at=T1)
    assert (result.new, result.duplicate) == (4, 0)


def test_short_ads_are_never_linked(repository, make_posting):
    short = [make_posting(n, body="Hiring now, call today.") for n in range(3)]
    result = repository.upsert(short, seen_at=T1)
    assert (result.new, result.duplicate) == (3, 0)


def test_only_originals_keep_band_keys(repository, engine, make_posting):
    result = repository.upsert([make_posting(n) for n in range(3)], seen_at=T1)
    with engine.connect() as connection:
        keys = stored_band_keys(connection)
        band_rows = connection.execute(select(func.count()).select_from(PostingBandRow))
        band_rows = band_rows.scalar_one()
    assert list(keys) == [result.ids[0]]
    assert len(keys[result.ids[0]]) == 16
    # Each backend keeps the keys in one place only: PostgreSQL on the row, SQLite in rows.
    assert band_rows == (0 if engine.dialect.name == "postgresql" else 16)


def test_text_too_short_to_compare_drops_band_keys(repository, engine, make_posting):
    [posting_id] = repository.upsert([make_posting(1)], seen_at=T1).ids
    repository.upsert([make_posting(1, body="Hiring now, call today.")], seen_at=T2)
    with engine.connect() as connection:
        assert posting_id not in stored_band_keys(connection)
    result = repository.upsert([make_posting(2)], seen_at=T2)
    assert result.duplicate == 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"title": "  "}, "title is empty"),
        ({"url": "javascript:alert(1)"}, "url must start with http"),
        ({"latitude": 95.0}, "out of range"),
        ({"latitude": None}, "given together"),
        ({"compensation": Compensation("x", 30, 20, "hour")}, "above the maximum"),
        ({"compensation": Compensation("x", 20, 30, "fortnight")}, "compensation.unit"),
        ({"occupations": [OccupationCode("99-9999.00", 0.5)]}, "major group 99"),
        ({"body": "caf\udce9"}, "not valid Unicode"),
        ({"posted_at": "yesterday"}, "posted_at must be a datetime"),
        ({"source_id": "x" * 201}, "source_id is 201 characters"),
    ],
)
def test_bad_records_are_rejected_and_stored_rows_untouched(
    repository, make_posting, change, reason
):
    good = make_posting(1)
    [posting_id] = repository.upsert([good], seen_at=T1).ids
    before = repository.get(posting_id)
    bad = dataclasses.replace(make_posting(1), **change)
    other = make_posting(2, kind=1)
    result = repository.upsert([bad, other], seen_at=T2)
    assert [(r.index, r.source_id) for r in result.rejected] == [(0, bad.source_id)]
    assert reason in result.rejected[0].reason
    assert result.ids[0] is None and result.new == 1
    if change.get("source_id") is None:
        assert repository.get(posting_id) == before


def test_non_postings_are_rejected_not_raised(repository, make_posting):
    result = repository.upsert([{"title": "a dict"}, None, make_posting(1)], seen_at=T1)
    assert [r.reason for r in result.rejected] == [
        "expected a Posting, got dict",
        "expected a Posting, got NoneType",
    ]
    assert result.new == 1


def test_nul_characters_are_dropped(repository, make_posting):
    [posting_id] = repository.upsert([make_posting(1, employer="Acme\x00 Inc")], seen_at=T1).ids
    assert repository.get(posting_id).posting.employer == "Acme Inc"


def test_a_database_error_rejects_only_the_failing_record(repository, engine, make_posting):
    _install_trigger_rejecting_title(engine, "Forbidden Title")
    postings = [make_posting(1), make_posting(2, kind=1, title="Forbidden Title"),
                make_posting(3, kind=2)]  # fmt: skip
    result = repository.upsert(postings, seen_at=T1)
    assert result.new == 2
    assert [r.index for r in result.rejected] == [1]
    assert "forbidden" in result.rejected[0].reason.lower()
    assert _row_count(engine) == 2


def _install_trigger_rejecting_title(engine, title: str) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text(
                "CREATE TRIGGER no_title BEFORE INSERT ON postings "
                f"WHEN NEW.title = '{title}' BEGIN SELECT RAISE(ABORT, 'forbidden title'); END"
            ))  # fmt: skip
        else:
            connection.execute(text(
                "CREATE FUNCTION no_title() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.title = '{title}' THEN RAISE EXCEPTION 'forbidden title'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            ))  # fmt: skip
            connection.execute(text(
                "CREATE TRIGGER no_title BEFORE INSERT ON postings "
                "FOR EACH ROW EXECUTE FUNCTION no_title()"
            ))  # fmt: skip


def test_known_ids(repository, make_posting):
    repository.upsert([make_posting(n) for n in range(3)], seen_at=T1)
    wanted = ["7700000001", "7700000002", "999"]
    assert repository.known_ids("craigslist", wanted) == {"7700000001", "7700000002"}
    assert repository.known_ids("jsonld", wanted) == set()


def test_missing_classification_pages_by_id_up_to_a_bound(repository, make_posting):
    assert repository.last_id() == 0
    ids = repository.upsert([make_posting(n, kind=n) for n in range(4)], seen_at=T1).ids
    assert repository.last_id() == max(ids)
    pages = [repository.postings_missing_classification(limit=2, up_to_id=ids[2])]
    pages.append(repository.postings_missing_classification(after_id=pages[0][-1].id))
    assert [[p.id for p in page] for page in pages] == [ids[:2], ids[2:]]
    bounded = repository.postings_missing_classification(after_id=ids[0], up_to_id=ids[2])
    assert [p.id for p in bounded] == ids[1:3]


def test_classification_bookkeeping(repository, make_posting):
    ids = repository.upsert([make_posting(n, kind=n) for n in range(3)], seen_at=T1).ids
    missing = repository.postings_missing_classification(limit=10)
    assert [p.id for p in missing] == ids
    updated = repository.set_occupations(
        {ids[0]: [OccupationCode("53-7062.00", 0.9, 1)], ids[1]: [OccupationCode("35-2014", 0.7)]},
        model_version="clf-2",
    )
    assert updated == 2
    assert [p.id for p in repository.postings_missing_classification()] == [ids[2]]
    assert [p.id for p in repository.postings_missing_classification(model_version="clf-3")] == ids
    stored = repository.get(ids[1])
    assert [(o.code, o.score) for o in stored.occupations] == [("35-2014.00", 0.7)]
    assert stored.posting.model_version == "clf-2"
    repository.set_occupations({ids[1]: [OccupationCode("35-2021.00", 0.6)]}, "clf-3")
    assert [o.code for o in repository.get(ids[1]).occupations] == ["35-2021.00"]


def test_set_occupations_rejects_bad_codes_before_writing(repository, make_posting):
    [posting_id] = repository.upsert([make_posting(1)], seen_at=T1).ids
    with pytest.raises(ValueError, match="not a SOC code"):
        repository.set_occupations({posting_id: [OccupationCode("cook", 0.5)]}, "clf-1")
    with pytest.raises(ValueError, match="rank must be an integer"):
        repository.set_occupations({posting_id: [OccupationCode("35-2014", 0.5, 0)]}, "clf-1")
    with pytest.raises(ValueError, match="model_version"):
        repository.set_occupations({posting_id: [OccupationCode("35-2014", 0.5)]}, "")
    assert repository.get(posting_id).posting.model_version is None
    codes = [OccupationCode("35-2014", 0.5)]
    assert repository.set_occupations({posting_id: codes, posting_id + 99: codes}, "clf-1") == 1


def test_naive_dates_are_taken_as_utc(repository, make_posting):
    naive = datetime(2026, 11, 3, 9, 30)
    [posting_id] = repository.upsert([make_posting(1, posted_at=naive)], seen_at=T1).ids
    assert repository.get(posting_id).posting.posted_at == naive.replace(tzinfo=UTC)


def test_text_change_replaces_band_keys_of_an_original(repository, engine, make_posting):
    [posting_id] = repository.upsert([make_posting(1)], seen_at=T1).ids
    rewritten = make_posting(1, kind=2)  # same id, now a different ad
    repository.upsert([rewritten], seen_at=T2)
    # A repost of the new text links to it; a repost of the old text does not.
    result = repository.upsert([make_posting(2, kind=2), make_posting(3, kind=0)], seen_at=T2)
    links = [repository.get(i).duplicate_of for i in result.ids]
    assert links == [posting_id, None]


def test_upsert_sightings_keeps_earliest_first_and_latest_last(repository, make_posting):
    [posting_id] = repository.upsert_sightings([(make_posting(1), T1, T1 + DAY)]).ids
    repository.upsert_sightings([(make_posting(1), T1 - DAY, T1)])
    stored = repository.get(posting_id)
    assert (stored.first_seen, stored.last_seen) == (T1 - DAY, T1 + DAY)
    result = repository.upsert_sightings(
        [(make_posting(2, kind=1), T2, T1), (make_posting(3), "x", T1)]
    )
    assert [r.reason.split(" ")[0] for r in result.rejected] == ["first_seen", "first_seen"]
