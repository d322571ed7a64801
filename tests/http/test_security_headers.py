"""Every response carries the security headers with their exact values, in development and in
production settings; HSTS (Strict-Transport-Security) only in production, where the site is
served over HTTPS (SPEC: security)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from consult.app import create_app

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
ALWAYS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
HSTS = "max-age=31536000; includeSubDomains"

# A page, JSON, a redirect, a guard's refusal, a 404, a CSRF refusal and a static file.
REQUESTS = [
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/api/v1/topics"),
    ("GET", "/account"),
    ("GET", "/staff/votes"),
    ("GET", "/topics/999999"),
    ("GET", "/no/such/page"),
    ("POST", "/auth/login"),
    ("GET", "/static/app.css"),
]


def _headers_of(settings, production: bool) -> list[tuple[str, int, dict[str, str]]]:
    app = create_app(settings.with_(env="production" if production else "development"), manage_engine=False)
    base = "https://testserver.local" if production else "http://testserver.local"
    seen = []
    with TestClient(app, base_url=base) as tc:
        for method, path in REQUESTS:
            r = tc.request(method, path, follow_redirects=False)
            seen.append((f"{method} {path}", r.status_code, {k.lower(): v for k, v in r.headers.items()}))
    return seen


def test_the_requests_cover_pages_json_redirects_refusals_and_static_files(settings):
    statuses = {key: status for key, status, _h in _headers_of(settings, production=False)}
    assert statuses["GET /"] == 200 and statuses["GET /healthz"] == 200
    assert statuses["GET /account"] == 303
    assert statuses["GET /topics/999999"] == 404 and statuses["GET /no/such/page"] == 404
    assert statuses["POST /auth/login"] == 403  # no CSRF token
    assert statuses["GET /static/app.css"] == 200


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_every_response_names_each_security_header_exactly(settings, production):
    problems = []
    for key, status, headers in _headers_of(settings, production):
        for name, value in ALWAYS.items():
            if headers.get(name) != value:
                problems.append(f"{key} ({status}): {name} is {headers.get(name)!r}, expected {value!r}")
        hsts = headers.get("strict-transport-security")
        if production and hsts != HSTS:
            problems.append(f"{key} ({status}): HSTS is {hsts!r} in production, expected {HSTS!r}")
        if not production and hsts is not None:
            problems.append(f"{key} ({status}): HSTS {hsts!r} sent in development")
    assert not problems, "\n".join(problems)
