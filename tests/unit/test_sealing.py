"""Sealing a ballot while its vote is open (consult.voting.sealing)."""

from __future__ import annotations

import pytest

from consult.voting import sealing


@pytest.fixture(autouse=True)
def key():
    before = sealing._secret
    sealing.configure("k" * 64)
    yield
    sealing._secret = before


CHOICES = {"11": "approve", "12": "oppose", "13": "abstain"}


def test_a_sealed_ballot_opens_to_its_receipt_and_choices_and_shows_neither():
    sealed = sealing.seal(5, "abcd-ef01-2345-6789-abcd", CHOICES)
    assert "abcd" not in sealed and "approve" not in sealed
    assert sealing.unseal(5, sealed) == ("abcd-ef01-2345-6789-abcd", CHOICES)
    assert sealing.seal(5, "abcd-ef01-2345-6789-abcd", CHOICES) != sealed  # a fresh nonce each time


def test_every_ballot_of_a_vote_seals_to_the_same_length():
    marks = [dict.fromkeys(CHOICES, m) for m in ("approve", "oppose", "abstain")]
    assert len({len(sealing.seal(5, "0000-0000-0000-0000-0000", m)) for m in marks}) == 1


def test_the_tag_is_keyed_per_vote_fits_the_column_and_is_never_a_receipt():
    t = sealing.tag(5, "abcd-ef01-2345-6789-abcd")
    assert len(t) == 24 and "-" not in t
    assert t == sealing.tag(5, "abcd-ef01-2345-6789-abcd") != sealing.tag(6, "abcd-ef01-2345-6789-abcd")
    sealing.configure("j" * 64)
    assert sealing.tag(5, "abcd-ef01-2345-6789-abcd") != t


def test_another_vote_another_key_or_a_changed_row_does_not_open():
    sealed = sealing.seal(5, "abcd-ef01-2345-6789-abcd", CHOICES)
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(6, sealed)  # moved to another vote
    flipped = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(5, flipped)
    sealing.configure("j" * 64)
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(5, sealed)


def test_without_a_key_nothing_is_sealed():
    sealing._secret = None
    with pytest.raises(RuntimeError):
        sealing.seal(5, "abcd-ef01-2345-6789-abcd", CHOICES)
