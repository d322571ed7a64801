"""The one HTML-fragment cache: keyed on the view itself, never remembering a view read
without a revision (inside a transaction that may roll back)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from consult.web import fragments


@dataclass(frozen=True)
class View:
    revision: int | None
    text: str


class FakeRequest:
    scope: dict = {}


def _counting_renderer(monkeypatch) -> list:
    calls = []

    def render_block(env, template, block, ctx):
        calls.append(ctx["view"])
        return f"<p>{ctx['view'].text}</p>"

    monkeypatch.setattr(fragments, "render_block", render_block)
    return calls


def test_the_same_view_is_rendered_once(monkeypatch):
    calls = _counting_renderer(monkeypatch)
    view = View(revision=7, text="a unique text for this test")
    first = fragments.cached_block(FakeRequest(), "t.html", "b", view)
    second = fragments.cached_block(FakeRequest(), "t.html", "b", View(7, "a unique text for this test"))
    assert first == second == Markup("<p>a unique text for this test</p>")
    assert calls == [view]


def test_a_new_revision_is_rendered_anew(monkeypatch):
    calls = _counting_renderer(monkeypatch)
    fragments.cached_block(FakeRequest(), "t.html", "b", View(8, "revision text"))
    fragments.cached_block(FakeRequest(), "t.html", "b", View(9, "revision text"))
    assert len(calls) == 2


def test_a_view_without_revision_is_never_remembered(monkeypatch):
    calls = _counting_renderer(monkeypatch)
    for text in ("before the rollback", "before the rollback"):
        fragments.cached_block(FakeRequest(), "t.html", "b", View(None, text))
    assert len(calls) == 2
