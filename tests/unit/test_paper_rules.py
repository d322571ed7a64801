"""The pure rules of paper ballots (consult.voting.paper): serials as receipts, double entry,
reconciliation by a third person, the weight checks and when the vote may close."""

from __future__ import annotations

from collections import Counter

import pytest

from consult.voting.paper import (
    Kind,
    PaperInputError,
    PaperRefused,
    Reading,
    counted_content,
    entry_fields,
    is_paper_receipt,
    normalise_paper_receipt,
    paper_receipt,
    reading_of,
    refuse_close,
    refuse_entry,
    refuse_resolution,
    refuse_small_classes,
    refuse_weight,
    small_paper_classes,
)
from consult.voting.domain import normalise_receipt


def entry(by, weight=100, kind=Kind.entry, **choices):
    return {"kind": kind.value, "weight_cents": weight, "choices": choices or {"1": "approve"}, "entered_by": by}


def test_a_paper_receipt_is_its_serial_and_never_looks_like_an_online_one():
    code = paper_receipt(12, 34)
    assert code == "P-12-000034" and is_paper_receipt(code) and len(code) <= 24
    assert normalise_receipt(code) is None  # the two formats never meet
    assert not is_paper_receipt("0a1b-2c3d-4e5f-6a7b-8c9d")
    for typed in ("p-12-34", "P 12 000034", " P-12-000034 ", "p12-34"):
        assert normalise_paper_receipt(typed) == code, typed
    for bad in ("", "P-12", "P-12-0", "Q-12-34", "P-12-1234567", "P-x-1"):
        assert normalise_paper_receipt(bad) is None, bad


def test_two_agreeing_entries_count_and_two_differing_ones_wait_for_a_resolution():
    assert reading_of([entry(1)]) == Reading.once and counted_content([entry(1)]) is None
    agreed = [entry(1), entry(2)]
    assert reading_of(agreed) == Reading.agreed and counted_content(agreed) == (100, {"1": "approve"})
    by_weight = [entry(1), entry(2, weight=200)]
    by_choice = [entry(1), entry(2, **{"1": "oppose"})]
    for disputed in (by_weight, by_choice):
        assert reading_of(disputed) == Reading.disputed and counted_content(disputed) is None
    resolved = [*by_choice, entry(3, kind=Kind.resolution, **{"1": "abstain"})]
    assert reading_of(resolved) == Reading.resolved and counted_content(resolved) == (100, {"1": "abstain"})


def test_the_same_staff_member_never_enters_one_ballot_twice_and_a_third_entry_is_refused():
    with pytest.raises(PaperRefused) as exc:
        refuse_entry(5, [entry(1)], 1, serials_known=1, signed_in=3)
    assert exc.value.code == "entered_twice"
    refuse_entry(5, [entry(1)], 2, serials_known=1, signed_in=3)  # another account: fine
    with pytest.raises(PaperRefused, match="twice already"):
        refuse_entry(5, [entry(1), entry(2)], 3, serials_known=1, signed_in=3)
    with pytest.raises(PaperRefused) as exc:
        refuse_entry(9, [], 3, serials_known=3, signed_in=3)  # a fourth ballot from three people
    assert exc.value.code == "too_many_ballots"


def test_only_someone_who_entered_neither_reading_reconciles_a_disputed_ballot():
    disputed = [entry(1), entry(2, **{"1": "oppose"})]
    for staff in (1, 2):
        with pytest.raises(PaperRefused) as exc:
            refuse_resolution(5, disputed, staff)
        assert exc.value.code == "entrant_reconciles"
    refuse_resolution(5, disputed, 3)
    with pytest.raises(PaperRefused) as exc:
        refuse_resolution(5, [entry(1), entry(2)], 3)
    assert exc.value.code == "not_disputed"


def test_no_more_ballots_of_a_weight_count_than_people_of_that_weight_signed_in():
    signed = Counter({100: 3, 250: 3})
    refuse_weight(250, signed, Counter({250: 2}))
    with pytest.raises(PaperRefused) as exc:
        refuse_weight(250, signed, Counter({250: 3}))
    assert exc.value.params == {"weight": "2.5", "n": 3}
    with pytest.raises(PaperRefused):
        refuse_weight(500, signed, Counter())


def test_each_paper_weight_class_needs_the_minimum_before_the_box_opens():
    assert small_paper_classes([100, 100, 100, 200], 3) == [200]
    with pytest.raises(PaperRefused) as exc:
        refuse_small_classes([100, 100, 100, 250, 250], 3)
    assert exc.value.params["weights"] == "2.5"
    refuse_small_classes([100] * 3 + [250] * 3, 3)


def test_the_vote_closes_only_when_every_entered_paper_ballot_counts():
    refuse_close(0, False, [])
    refuse_close(3, True, [Reading.agreed, Reading.resolved])
    with pytest.raises(PaperRefused) as exc:
        refuse_close(3, False, [])
    assert exc.value.code == "box_left_closed"
    with pytest.raises(PaperRefused) as exc:
        refuse_close(3, True, [Reading.agreed, Reading.once, Reading.disputed, Reading.disputed])
    assert exc.value.params == {"once": 1, "disputed": 2}


def test_a_reading_form_reports_every_bad_field_at_once():
    assert entry_fields({"serial": "34", "weight": "2.5"}, [100, 250]) == (34, 250)
    with pytest.raises(PaperInputError) as exc:
        entry_fields({"serial": "0", "weight": "3"}, [100, 250])
    assert set(exc.value.errors) == {"serial", "weight"}
    with pytest.raises(PaperInputError) as exc:
        entry_fields({"serial": "1000000", "weight": ""}, [100])
    assert exc.value.errors["serial"].code == "too_large" and exc.value.errors["weight"].code == "required"
