"""Intake pages: entering for a resident (代办), the slip with the tracking code, the staff's
list with the private contact, the public tracking page and attaching to an account, and
the seconds and ratings a resident gives through staff or a grid worker."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from consult.accounts.guards import requires, viewer_of
from consult.cache import content_revision
from consult.intake import commands, queries
from consult.intake.domain import (
    CHANNEL_LABELS, INTAKE_MESSAGES, KIND_LABELS, Channel, IntakeInputError, IntakeKind, normalize_code, printed_code,
)
from consult.messages import N_, NotFound, RateLimited
from consult.notices.qr import qr_svg
from consult.roles import Role
from consult.topics.labels import RATING_LABELS, STATE_LABELS as TOPIC_STATES
from consult.topics.queries import filter_choices
from consult.topics.timeline import load_topic
from consult.web.forms import client_address, field_errors, form_data
from consult.web.i18n import gettext as _
from consult.web.templating import flash, redirect, render, url
from consult.workorders.labels import STATE_LABELS as ORDER_STATES

ENTER = (Role.staff.value, Role.grid_worker.value)
STAFF = (Role.staff.value,)
RESIDENT = (Role.resident.value,)
PRIVATE = {"no_store": True}
BAD_CODE = INTAKE_MESSAGES["code"]
NO_CODE = N_("No topic or service request has this tracking code. Check the code and try again.")
TOO_MANY_MISSES = N_("Too many codes that match nothing were tried from here. Wait {minutes} minutes and try again, "
                     "or ask the community office to read you the code.")


def channel_labels() -> dict[str, str]:
    return {c.value: _(label) for c, label in CHANNEL_LABELS.items()}


async def _new_context(request: Request, form: dict, errors: dict) -> dict:
    choices = await filter_choices(await content_revision())
    return {
        "form": form, "errors": errors, "categories": choices["categories"],
        "grids": await commands.intake_grids(viewer_of(request)),
        "channels": [(c.value, _(label)) for c, label in CHANNEL_LABELS.items()],
        "kinds": [(k.value, _(label)) for k, label in KIND_LABELS.items()],
    }


@get("/intake/new", name="intake:new", guards=[requires(*ENTER)])
async def new_intake(request: Request, channel: FromQuery[str] = "") -> Template:
    viewer = viewer_of(request)
    form = {"kind": IntakeKind.topic.value, "channel": channel if channel in {c.value for c in Channel} else "",
            "grid_id": viewer.grid_id or ""}
    return render(request, "intake/new.html", await _new_context(request, form, {}))


def _public_base(request: Request) -> str:
    return request.app.state.settings.public_url or str(request.base_url).rstrip("/")


@post("/intake", name="intake:enter", guards=[requires(*ENTER)])
async def enter_intake(request: Request) -> Template:
    form = await form_data(request)
    try:
        entered = await commands.enter(viewer_of(request), form)
    except IntakeInputError as exc:
        return render(request, "intake/new.html", await _new_context(request, form, field_errors(exc.errors)),
                      status_code=400)
    link = _public_base(request) + url("intake:track", tracking_code=entered.code)
    return render(request, "intake/entered.html", {
        "entered": entered, "code": printed_code(entered.code), "link": link,
        "qr": qr_svg(link, _("Follow it at this address")),
        "subject_url": url("topics:detail", topic_id=entered.topic_id) if entered.topic_id
        else url("workorders:detail", order_id=entered.order_id),
    })


@get("/intake", name="intake:list", guards=[requires(*ENTER)], opt=PRIVATE)
async def list_intakes(request: Request) -> Template:
    return render(request, "intake/list.html", {
        "rows": await queries.listing(viewer_of(request)), "channels": channel_labels(),
        "may_attach": viewer_of(request).has(*STAFF),
    })


@post("/intake/{intake_id:int}/attach", name="intake:attach", guards=[requires(*STAFF)])
async def attach_intake(request: Request, intake_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        await commands.attach_for(viewer_of(request), intake_id, form.get("username"))
    except IntakeInputError as exc:
        flash(request, " ".join(field_errors(exc.errors).values()), "error")
        return redirect(url("intake:list"))
    flash(request, _("Attached: the resident now follows it from their own account."))
    return redirect(url("intake:list"))


# ---------------------------------------------------------------- the public tracking page


@get("/track", name="intake:track_form", opt=PRIVATE)
async def track_form(request: Request, code: FromQuery[str] = "") -> Any:
    """A plain GET form: typed codes go to their page (the access log keeps no query)."""
    if not code:
        return render(request, "intake/track.html", {"row": None, "errors": {}, "form": {}})
    normalized = normalize_code(code)
    if normalized is None:
        return render(request, "intake/track.html", {
            "row": None, "form": {"code": code[:40]},
            "errors": {"code": _(BAD_CODE)}}, status_code=400)
    return Redirect(url("intake:track", tracking_code=normalized), status_code=303)


@get("/track/{tracking_code:str}", name="intake:track", opt=PRIVATE)
async def track(request: Request, tracking_code: FromPath[str]) -> Template:
    address = client_address(request, request.app.state.settings.trusted_proxies)
    limiter = request.app.state.track_limiter
    if not await limiter.attempt(address):
        raise RateLimited(TOO_MANY_MISSES, minutes=limiter.window_seconds // 60)
    row = await queries.tracked(tracking_code)
    if row is None or row["subject"] is None:
        raise NotFound(NO_CODE)
    await limiter.found(address)
    topic = row["topic"] is not None
    labels = TOPIC_STATES if topic else ORDER_STATES
    return render(request, "intake/track.html", {
        "row": row, "errors": {}, "form": {}, "is_topic": topic, "printed": printed_code(row["code"]),
        "state_label": _(labels.get(row["subject"]["state"], row["subject"]["state"])),
        "channel_label": channel_labels().get(row["channel"], row["channel"]),
        "subject_url": url("topics:detail", topic_id=row["topic"]) if topic
        else url("workorders:detail", order_id=row["work_order"]),
        "mine": row["attached_to"] is not None and row["attached_to"] == viewer_of(request).id,
    })


@post("/track/{tracking_code:str}/attach", name="intake:attach_code", guards=[requires(*RESIDENT)])
async def attach_code(request: Request, tracking_code: FromPath[str]) -> Redirect:
    code = normalize_code(tracking_code)
    if code is None:
        raise NotFound(NO_CODE)
    await commands.attach_by_code(viewer_of(request), code)
    flash(request, _("Attached to your account: you are told of each step."))
    return redirect(url("intake:track", tracking_code=code))


# ---------------------------------------------------------------- assisted seconds and ratings


async def _assist_context(request: Request, topic_id: int, form: dict, errors: dict, act: str = "") -> dict:
    return {
        "topic": await load_topic(topic_id), "form": form, "errors": errors, "failed_act": act,
        "ratings": [(value, _(label)) for value, label in RATING_LABELS.items()],
        "assisted": await queries.assisted_on(topic_id),
    }


@get("/topics/{topic_id:int}/assist", name="intake:assist_form", guards=[requires(*ENTER)], opt=PRIVATE)
async def assist_form(request: Request, topic_id: FromPath[int]) -> Template:
    commands.check_may_assist(viewer_of(request), await load_topic(topic_id))
    return render(request, "intake/assist.html", await _assist_context(request, topic_id, {}, {}))


@post("/topics/{topic_id:int}/assist/{act:str}", name="intake:assist", guards=[requires(*ENTER)])
async def assist(request: Request, topic_id: FromPath[int], act: FromPath[str]) -> Any:
    form = await form_data(request)
    try:
        await commands.assist(viewer_of(request), topic_id, act, form)
    except IntakeInputError as exc:
        ctx = await _assist_context(request, topic_id, form, field_errors(exc.errors), act)
        return render(request, "intake/assist.html", ctx, status_code=400)
    flash(request, _("Recorded on the resident's behalf, marked as assisted."))
    return redirect(url("topics:detail", topic_id=topic_id))


route_handlers = [
    new_intake, enter_intake, list_intakes, attach_intake, track_form, track, attach_code, assist_form, assist,
]
