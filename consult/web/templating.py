"""Jinja2 environment and the one render helper every controller uses.

An htmx request (not boosted) for a page that names a block gets only that block
(jinja2-fragments); everything else gets the whole page. Responses vary on HX-Request.
"""

from __future__ import annotations

import os
from functools import lru_cache
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from litestar.template.base import csrf_token
from markupsafe import Markup, escape
from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import MediaType, Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig
from litestar.utils.scope.state import ScopeState

from consult.messages import N_
from consult.numbers import percent_text
from consult.settings import BASE_DIR
import consult.web.i18n as i18n
from consult.web.display import display_mode

SHANGHAI_OFFSET_HOURS = 8
_SHANGHAI = timezone(timedelta(hours=SHANGHAI_OFFSET_HOURS))
# Templates are read once per process; CONSULT_TEMPLATE_RELOAD=1 re-reads edited files
# (a stat of every template on every render: 13 % of a topic page's time under load).
TEMPLATE_RELOAD = os.environ.get("CONSULT_TEMPLATE_RELOAD") == "1"


def _fmt_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(_SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d")


def _fmt_money(value: int | Decimal | None) -> str:
    if value is None:
        return ""
    return f"{int(value):,}"


def _query(params: dict, **changes) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "", [])}
    return "?" + urlencode(merged, doseq=True) if merged else "?"


_APP: list[Any] = []


def use_routes(app: Any) -> None:
    """Links in templates come from route names (``url("topics:detail", topic_id=3)``),
    resolved by the app that serves them; ``create_app`` calls this."""
    _APP[:] = [app]
    url.cache_clear()


@lru_cache(maxsize=8192)
def url(name: str, /, **params: Any) -> str:
    """The path of the route named ``name`` with its path parameters filled in."""
    return _APP[0].route_reverse(name, **params)


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(BASE_DIR / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=TEMPLATE_RELOAD,
    )
    # Our own callables ({name}-style placeholders, same as in Python code).
    env.globals.update(
        _=i18n.gettext,
        gettext=i18n.gettext,
        ngettext=i18n.ngettext,
        current_locale=i18n.get_locale,
        locales=i18n.LOCALES,
        locale_names=i18n.LOCALE_NAMES,
        html_lang=lambda: i18n.HTML_LANG[i18n.get_locale()],
        query=_query,
        url=url,
    )
    env.filters.update(dt=_fmt_datetime, d=_fmt_date, money=_fmt_money, percent=_fmt_percent)
    return env


def _fmt_percent(value: float | None) -> str:
    """A percentage figure (a JSON number such as 33.3, from dashboard.domain.percent) for
    reading: "33.3%", "100.0%"; "—" for none. Exact: the number's decimal text, never a float sum."""
    if value is None:
        return "—"
    return percent_text(Fraction(str(value)) / 100, fixed=True) + "%"


# Stands for the CSRF field in HTML that is cached and shared between people; no user
# text can contain it (user text is escaped, so it never holds a raw "<").
CSRF_PLACEHOLDER = "<consult-csrf></consult-csrf>"


def _csrf_input(token: str) -> Markup:
    return Markup('<input type="hidden" name="_csrf_token" value="{}">').format(token)


@pass_context
def _csrf_field(context) -> Markup:
    if context.get("csrf_placeholder"):
        return Markup(CSRF_PLACEHOLDER)
    return _csrf_input(csrf_token(context))


def fill_csrf(html: Markup, request: Request) -> Markup:
    """Put this request's CSRF token into shared HTML rendered with ``csrf_placeholder``."""
    token = ScopeState.from_scope(request.scope).csrf_token or ""
    return Markup(str(html).replace(CSRF_PLACEHOLDER, str(_csrf_input(token))))


# The words of a long field's live counter (templates/_macros/forms.html `counter`): marked here
# because the catalog extractor skips folders whose name starts with "_".
COUNTER_TEXT = N_("Typed {n} of {max}")


def _install_macros(env: Environment) -> None:
    """`csrf()`, `field()`, `select()` and `counter()` as globals, so a block rendered alone for
    htmx (jinja2-fragments skips the template's top-level imports) still has them."""
    env.globals["csrf"] = _csrf_field
    module = env.get_template("_macros/forms.html").make_module({"csrf_token": lambda: ""})
    for name in ("field", "select", "counter"):
        env.globals[name] = getattr(module, name)


ENVIRONMENT = make_environment()
_install_macros(ENVIRONMENT)


def template_config() -> TemplateConfig:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(ENVIRONMENT))


def is_htmx(request: Request) -> bool:
    # A history restore (back button after hx-push-url, no history cache) needs the whole page.
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-boosted") != "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    push_url: str | None = None,
) -> Template:
    """Render a page, or just `block` of it for a (non-boosted) htmx request."""
    ctx = base_context(request)
    ctx.update(context or {})
    headers = {"Vary": "HX-Request"}
    if block and is_htmx(request):
        response = HTMXBlockTemplate(
            template_name=template,
            block_name=block,
            context=ctx,
            status_code=status_code,
            push_url=push_url,
            headers=headers,
            media_type=MediaType.HTML,
        )
        return response
    # HTML whatever the handler's return annotation says (a handler typed `-> Any` would
    # otherwise send its page, or a form re-shown with errors, as application/json)
    return Template(
        template_name=template, context=ctx, status_code=status_code, headers=headers, media_type=MediaType.HTML
    )


def base_context(request: Request, take_flashes: bool = True) -> dict[str, Any]:
    from consult.accounts.guards import viewer_of

    flashes = []
    if take_flashes and request.scope.get("session") is not None and "flash" in (request.session or {}):
        flashes = request.session.pop("flash", [])
    return {
        "request": request,
        "viewer": viewer_of(request),
        "flashes": flashes,
        "display": display_mode(request),
        "path": request.url.path,
        "full_path": request.url.path + (("?" + request.url.query) if request.url.query else ""),
    }


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page (already translated)."""
    messages = list(request.session.get("flash", []))
    messages.append({"kind": kind, "text": message})
    request.session["flash"] = messages


def redirect(path: str, status_code: int = 303) -> Redirect:
    return Redirect(path=path, status_code=status_code)
