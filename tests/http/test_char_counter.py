"""Long fields tell their limit (issue 14): without JavaScript a plain hint ("最多 2,000 个字")
and maxlength; the live counter is there but hidden until static/counter.js shows it, with a
polite live region for screen readers. No inline script (CSP)."""

from __future__ import annotations

import re

from tests.http.test_topics_helpers import Topics


def test_the_comment_and_proposal_fields_carry_limit_hint_and_counter(client, make_user, community):
    tid, _ = Topics(make_user, community).create("discussing")
    client.login(make_user("resident"))
    page = client.get(f"/topics/{tid}").text
    box = re.search(r'<textarea id="f-body"[^>]*>', page).group(0)
    assert 'maxlength="2000"' in box and 'data-counter="f-body-count"' in box
    assert "最多 2,000 个字。" in page
    counter = re.search(r'<small class="hint counter" id="f-body-count"[^>]*>.*?</small>', page, re.S).group(0)
    assert " hidden" in counter and 'data-limit="2000"' in counter and 'aria-live="polite"' in counter
    assert "已输入 {n} / {max}" in counter
    assert '<script src="/static/counter.js" defer></script>' in page and "<script>" not in page
    new = client.get("/topics/new").text
    assert 'data-counter="f-description-count"' in new and 'maxlength="5000"' in new


def test_the_counter_script_is_served(client):
    r = client.get("/static/counter.js")
    assert r.status_code == 200 and "aria" not in r.headers.get("content-type", "")
    assert "data-counter" in r.text and "setTimeout" in r.text
