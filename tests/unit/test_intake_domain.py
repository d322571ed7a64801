"""The pure rules of intake on a resident's behalf (issue 16 point 1): the channels and what
the form takes, the tracking code, and the sealing of the resident's contact."""

from __future__ import annotations

import pytest

from consult.intake import domain, secrecy
from consult.intake.domain import Channel, Contact, IntakeInputError, IntakeKind

@pytest.fixture(autouse=True)
def _keep_the_apps_keys():
    """These tests configure their own keys: the app's are put back afterwards."""
    kept = secrecy._keys
    yield
    secrecy._keys = kept


GOOD = {"kind": "topic", "channel": "phone", "resident_name": "王秀英", "resident_phone": "139 1234 5678",
        "consent": "yes"}


def errors_of(form):
    with pytest.raises(IntakeInputError) as exc:
        domain.parse_intake(form)
    return set(exc.value.errors)


def test_an_intake_records_its_channel_and_the_residents_contact():
    got = domain.parse_intake(GOOD)
    assert got.kind == IntakeKind.topic and got.channel == Channel.phone and got.order_number == ""
    assert got.contact == Contact("王秀英", "13912345678")
    assert domain.parse_intake({**GOOD, "resident_phone": ""}).contact.phone == ""  # a neighbour may pass it on
    assert domain.parse_intake({**GOOD, "resident_phone": "010-62345678"}).contact.phone == "010-62345678"


def test_every_channel_of_the_issue_is_there():
    assert {c.value for c in Channel} == {"online", "phone", "office", "home_visit", "meeting", "hotline"}
    assert set(domain.CHANNEL_LABELS) == set(Channel)


def test_nothing_is_entered_without_the_residents_agreement():
    assert errors_of({**GOOD, "consent": ""}) == {"consent"}


def test_only_a_12345_intake_has_an_order_number_and_it_needs_one():
    assert errors_of({**GOOD, "channel": "hotline"}) == {"order_number"}
    assert errors_of({**GOOD, "order_number": "BJ-1234"}) == {"order_number"}
    assert errors_of({**GOOD, "channel": "hotline", "order_number": "no spaces!"}) == {"order_number"}
    got = domain.parse_intake({**GOOD, "channel": "hotline", "order_number": "BJ-2026-120045"})
    assert got.order_number == "BJ-2026-120045"


def test_every_field_error_at_once():
    assert errors_of({"kind": "nonsense", "channel": "fax", "resident_name": "x", "resident_phone": "12",
                      "consent": ""}) == {"kind", "channel", "resident_name", "resident_phone", "consent"}


def test_the_tracking_code_reads_out_and_types_back_loosely():
    code = domain.new_code()
    assert len(code) == 12 and set(code) <= set(domain.CODE_ALPHABET)
    assert not set("01ILOU") & set(domain.CODE_ALPHABET)  # no look-alikes to spell out on the phone
    printed = domain.printed_code(code)
    assert printed.count("-") == 2 and printed.replace("-", "") == code
    assert domain.normalize_code(f" {printed.lower()} ") == code
    assert domain.normalize_code(printed.replace("-", " ")) == code
    for bad in ("", "ABCD", "ABCD-EFGH-JKM0", None, 12, "A" * 41):
        assert domain.normalize_code(bad) is None
    assert len({domain.new_code() for _ in range(200)}) == 200


def test_only_a_keyed_hash_of_the_code_is_kept():
    secrecy.configure("k" * 64)
    code = "ABCDEFGHJKMN"
    digest = secrecy.digest(code)
    assert len(digest) == 64 and code not in digest and digest == secrecy.digest(code)
    secrecy.configure("other" * 13)
    assert secrecy.digest(code) != digest  # keyed: without SECRET_KEY a list of codes proves nothing


def test_the_contact_is_sealed_and_opens_only_with_the_key():
    secrecy.configure("k" * 64)
    contact = Contact("王秀英", "13912345678")
    sealed, again = secrecy.seal(contact), secrecy.seal(contact)
    assert sealed != again  # a fresh nonce each time: equal contacts do not show as equal rows
    assert "王秀英" not in sealed and "13912345678" not in sealed
    assert secrecy.unseal(sealed) == contact
    secrecy.configure("other" * 13)
    with pytest.raises(secrecy.ContactSealBroken):
        secrecy.unseal(sealed)
    secrecy.configure("k" * 64)
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(secrecy.ContactSealBroken):
        secrecy.unseal(tampered)


def test_an_assisted_act_needs_the_residents_agreement():
    with pytest.raises(IntakeInputError) as exc:
        domain.parse_assisted_note({"note": "by phone"})
    assert set(exc.value.errors) == {"consent"}
    assert domain.parse_assisted_note({"note": " by phone ", "consent": "yes"}) == "by phone"
