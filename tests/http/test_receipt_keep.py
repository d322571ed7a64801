"""Issue 14, defect 4: the receipt code was shown once and lost on reload or Back, and could not be
copied, saved or printed. The server still keeps it nowhere linked to the voter (docs/SECURITY.md §4):
the page offers copy, print and "save as a file" (an echo of the code the page holds), and receipt.js
keeps the code in the history entry's #fragment, which never reaches the server."""

from __future__ import annotations

from consult.accounts.tables import AuditEntry
from consult.voting.tables import Ballot
from tests.conftest import run, text_of
from tests.http.test_voting import RECEIPT_RE, cast, open_vote, signed_in, staff  # noqa: F401 (fixture)


def cast_one(staff, make_user, new_client):
    vote_id, reps, ids = open_vote(staff, make_user)
    rep = signed_in(new_client, reps[0])
    r = cast(rep, vote_id, {ids[0]: "approve"})
    assert r.status_code == 200
    return vote_id, rep, r, RECEIPT_RE.search(r.text).group(0)


def fingerprint(vote_id):
    rows = run(Ballot.raw("SELECT * FROM ballot WHERE vote = {} ORDER BY id", vote_id))
    return rows, run(AuditEntry.count())


def test_the_cast_answer_offers_copy_print_and_save_and_keeps_the_code_only_in_the_browser(
        staff, make_user, new_client):
    vote_id, _rep, r, code = cast_one(staff, make_user, new_client)
    assert r.headers["cache-control"] == "no-store"
    page = r.text
    assert f'<code id="receipt">{code}</code>' in page
    assert f'id="receipt-copy" class="receipt-input" readonly value="{code}"' in page  # long-press copy, no JS
    assert f'data-receipt="{code}" data-keep="/votes/{vote_id}/receipt/yours"' in page  # receipt.js: #fragment
    assert '<button type="button" data-copy="receipt-copy" hidden>' in page  # shown by receipt.js only
    assert "<button type=\"button\" data-print hidden>" in page
    assert f'action="/votes/{vote_id}/receipt/file"' in page and f'name="code" value="{code}"' in page
    assert '<script src="/static/receipt.js" defer></script>' in page
    assert "<script>" not in page and "onclick" not in page  # the CSP allows no inline script
    words = text_of(page)
    assert "我们不会把它和您的名字一起保存" in words and f"/votes/{vote_id}#board" in words


def test_the_page_a_reload_lands_on_holds_no_code_and_says_why(staff, make_user, new_client):
    vote_id, rep, _r, code = cast_one(staff, make_user, new_client)
    again = rep.get(f"/votes/{vote_id}/receipt/yours")
    assert again.status_code == 200 and again.headers["cache-control"] == "no-store"
    assert code not in again.text and not RECEIPT_RE.search(again.text)
    assert "我们不保存谁投了哪张选票" in text_of(again.text)
    assert 'id="receipt-shown" hidden' in again.text and 'data-receipt=""' in again.text


def test_save_as_a_file_echoes_the_code_and_stores_nothing(staff, make_user, new_client):
    vote_id, rep, _r, code = cast_one(staff, make_user, new_client)
    before = fingerprint(vote_id)
    f = rep.post(f"/votes/{vote_id}/receipt/file", {"code": code})
    assert f.status_code == 200
    assert f.headers["content-type"].startswith("text/plain") and "charset=utf-8" in f.headers["content-type"]
    assert f.headers["content-disposition"] == f'attachment; filename="receipt-vote-{vote_id}.txt"'
    assert f.headers["cache-control"] == "no-store"
    body = f.content.decode("utf-8")
    assert f"您的回执码：{code}" in body and f"/votes/{vote_id}#board" in body and "任何人都无权" in body
    assert fingerprint(vote_id) == before  # no row, no audit entry: nothing links the code to the voter
    assert rep.post(f"/votes/{vote_id}/receipt/file", {"code": "<script>"}).status_code == 400
    assert rep.post(f"/votes/{vote_id}/receipt/file", {"code": code}, csrf=False).status_code == 403


def test_receipt_pages_are_for_representatives(staff, make_user, new_client, client):
    vote_id, _rep, _r, code = cast_one(staff, make_user, new_client)
    visitor = new_client()
    r = visitor.get(f"/votes/{vote_id}/receipt/yours")
    assert r.status_code == 303 and r.headers["location"].startswith("/auth/login")
    resident = signed_in(new_client, make_user("resident"))
    assert resident.post(f"/votes/{vote_id}/receipt/file", {"code": code}).status_code == 403
    assert resident.get(f"/votes/{vote_id}/receipt/yours").status_code == 403


def test_the_receipt_script_is_served_and_keeps_the_code_after_the_hash():
    from pathlib import Path

    js = (Path(__file__).resolve().parents[2] / "static" / "receipt.js").read_text()
    assert 'history.replaceState(null, "", box.getAttribute("data-keep") + "#" + code)' in js
    assert "location.hash" in js and "fetch(" not in js and "XMLHttpRequest" not in js  # never sent anywhere
    assert "localStorage" not in js and "sessionStorage" not in js  # kept in the history entry only
