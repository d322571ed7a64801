"""HTML shared between viewers, rendered once per language and per exact input.

A block cached here is rendered from ONE value, ``view``, and nothing else: it is not
given the request, the viewer or the page's context, so it cannot read anything that
the key does not hold. ``view`` must be hashable (frozen dataclasses, tuples) and must
carry the content revision it was read at, so that a write makes a new key and the old
entry is never asked for again. The key is (template, block, language, view): the cache
can only ever return what rendering that same input would produce.

Forms in such a block use ``csrf()``, which renders a placeholder here; ``fill_csrf``
puts each request's own token in. Use this only where ``bench/`` shows the rendering is
the cost (today: a topic's comments, the list's result rows, a published vote's result).
"""

from __future__ import annotations

from collections.abc import Hashable

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
