"""HTML shared between viewers, rendered once per language and per exact input.

A block cached here is rendered from ONE value, ``view``, and nothing else: it is not
given the request, the viewer or the page's context, so it cannot read anything that
the key does not hold. ``view`` must be hashable (frozen dataclasses, tuples) and must
carry the content revision it was read at, so that a write makes a new key and the old
entry is never asked for again. The key is (template, block, language, view): the cache
can only ever return what rendering that same input would produce.

Forms in such a block use ``csrf()``, which renders a placeholder here; ``fill_csrf``
puts each request's own token in. Use this only where ``bench/`` shows the rendering is
the cost (today: a topic's comments, the list's result rows, a published vote's result,
the dashboard).

Where even building the view costs too much on every request (the dashboard: the place
select has one option per place, the figures are drawn from ten aggregates), ``cached_load``
takes the key and an async ``load`` that makes the blocks' context: the context is read
only on a miss. The key must then name everything ``load`` reads (its revision first).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable

from jinja2_fragments import render_block
from litestar import Request
from markupsafe import Markup

from consult.cache import RevisionCache
import consult.web.i18n as i18n
from consult.web.templating import ENVIRONMENT, fill_csrf

_FRAGMENTS = RevisionCache("html_fragments", size=1024)


def cached_block(request: Request, template: str, block: str, view: Hashable, *, forms: bool = False) -> Markup:
    """``block`` of ``template`` rendered from ``view`` alone (the block reads ``view``,
    translation and link globals only). ``forms``: the block holds forms, so the CSRF
    placeholder is filled with this request's token. A view whose ``revision`` is None was
    read where no revision can be had (inside a transaction, which may yet roll back): it
    is rendered but never remembered."""

    def make() -> Markup:
        return Markup(render_block(ENVIRONMENT, template, block, {"view": view, "csrf_placeholder": True}))

    if getattr(view, "revision", 0) is None:
        html = make()
    else:
        html = _FRAGMENTS.get_or_make((template, block, i18n.get_locale(), view), make)
    return fill_csrf(html, request) if forms else html


async def cached_load(
    template: str, blocks: tuple[str, ...], key: tuple | None, load: Callable[[], Awaitable[dict]]
) -> tuple[Markup, ...]:
    """``blocks`` of ``template`` rendered from the context ``await load()`` returns, once
    per language and ``key`` (see ``consult.cache.at``: None inside a transaction, rendered
    and not remembered). ``load`` runs only on a miss, one at a time per key; the blocks read
    that context and the translation and link globals only, and hold no form that posts."""

    async def make() -> tuple[Markup, ...]:
        context = {**await load(), "csrf_placeholder": True}
        return tuple(Markup(render_block(ENVIRONMENT, template, block, context)) for block in blocks)

    if key is None:
        return await make()
    return await _FRAGMENTS.get_or_load((template, blocks, i18n.get_locale(), key), make)
