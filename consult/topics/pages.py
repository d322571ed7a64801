"""Topics' HTML: the public list and topic page, the committee's queue, and every action
as a real form (htmx swaps the changed part in place).

htmx: an htmx request whose input is wrong gets the re-rendered block (with the messages
next to the fields) at 400; a refusal is a ``Refusal`` that ``consult.web.errors`` turns
into a notice retargeted into ``#topic-alert`` (409). Without JavaScript the same forms
get the whole page with the form at 400, or the refusal's page. Pages only read: an
ended evaluation window is decided by the periodic job, never by a page view.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from consult.roles import Role
from consult.accounts.guards import requires, viewer_of
from consult.cache import at, content_revision
from consult.fields import InputError, row_id
from consult.messages import N_
from consult.intake import queries as intake_queries
from consult.places import queries as places
from consult.places.settings import PlaceSettings
import consult.topics.commands as commands
import consult.topics.discussion as discussion
import consult.topics.projects as projects
import consult.topics.queries as queries
from consult.topics.clock import local_today
from consult.topics.evaluation import Rating
from consult.topics.forms import DESCRIPTION_LENGTH, Stance, TopicInputError
from consult.topics.labels import (
    ACTION_BUTTONS,
    ACTION_DONE,
    ACTION_LABELS,
    CHOICE_LABELS,
    FUNDING_LABELS,
    RATING_LABELS,
    STANCE_LABELS,
    STATE_LABELS,
)
from consult.topics.lifecycle import (
    ACTION_INPUTS,
    ROUTED_ACTIONS,
    SCREENING_ACTIONS,
    TERMINAL_STATES,
    TITLE_LENGTH,
    Action,
    Activity,
    FundingRoute,
    TopicRefused,
    TopicState,
    TransitionRefused,
)
from consult.topics.params import TOPIC_FILTERS, only_mine
from consult.topics.permissions import TopicPermissions, who_may
from consult.topics.presentation import results_view, threads_view
from consult.web import i18n
from consult.web.forms import form_data, id_text_or_blank, safe_next
from consult.web.fragments import cached_block, cached_load
from consult.web.i18n import gettext as _
from consult.web.templating import flash, is_htmx, redirect, render, url
# after the topics' own modules: the photos' web helpers load consult.web, which reaches them
from consult.photos import commands as photos_commands
from consult.photos.commands import MAX_REQUEST_BYTES, PhotoInputError
from consult.photos.owners import PhotoKind
from consult.photos.queries import photos_of_topic
from consult.photos.routes import read_uploads
from consult.workorders.views import topic_orders

A = Activity


def input_errors(exc: InputError) -> dict[str, str]:
    """Each field's message in the request's language; a ``state`` shows its label."""
    out = {}
    for name, err in exc.errors.items():
        params = dict(err.params)
        for key, labels in exc.PARAM_LABELS.items():
            if key in params:
                params[key] = _(labels.get(params[key], str(params[key])))
        out[name] = _(err.message, **params)
    return out


def _labels() -> dict:
    """The pages' labels in the request's language (built once per language: read-only)."""
    return _labels_in(i18n.get_locale())


@functools.lru_cache(maxsize=8)
def _labels_in(locale: str) -> dict:
    return {
        "states": {s.value: _(STATE_LABELS[s]) for s in TopicState},
        "actions": {str(k): _(v) for k, v in ACTION_LABELS.items()},
        "buttons": {k: _(v) for k, v in ACTION_BUTTONS.items()},
        "stances": {s.value: _(STANCE_LABELS[s]) for s in Stance},
        "ratings": {r.value: _(RATING_LABELS[r]) for r in Rating},
        "funding": {f.value: _(FUNDING_LABELS[f]) for f in FundingRoute},
        "choices": {name: {k: _(v) for k, v in options.items()} for name, options in CHOICE_LABELS.items()},
    }


def _rule(settings: PlaceSettings) -> str:
    """The evaluation rule where the topic is (its grid's settings, inherited)."""
    return _("A project is completed when at least {percent}% of its ratings are satisfied or basically satisfied, "
             "out of at least {n} ratings; with fewer, the window is extended once by {days} days.",
             percent=settings.satisfaction_percent, n=settings.min_ratings, days=settings.evaluation_days)


def _action_defaults(topic: dict, today: date, settings: PlaceSettings) -> dict[str, dict[str, str]]:
    """What each action's form starts with, by ``ACTION_INPUTS`` (dates: the place's days)."""
    out: dict[str, dict[str, str]] = {}
    for action, inputs in ACTION_INPUTS.items():
        values = out[action.value] = {}
        for spec in inputs:
            days = spec.days_at(settings)
            if days is not None:
                values[spec.name] = (today + timedelta(days=days)).isoformat()
            elif spec.choices:
                values[spec.name] = spec.choices[0]
            elif spec.prefill:
                values[spec.name] = topic[spec.prefill]
    return out


_DISCUSSION_EXTRA = ("reply_to", "comment_errors", "comment_form", "hide_errors", "hide_form")


async def _detail_context(request: Request, topic_id: int, **extra: Any) -> dict:
    viewer = viewer_of(request)
    detail = await queries.topic_detail(topic_id, viewer)
    settings = await places.settings_of(detail["topic"]["grid"])
    perm = TopicPermissions.for_viewer(viewer, detail["topic"], settings)
    today = local_today()
    ctx = {
        **detail,
        "state": perm.state.value,
        "perm": perm,
        "can": perm.can,
        "actions": [a.value for a in perm.actions],
        "action_inputs": {a.value: inputs for a, inputs in ACTION_INPUTS.items()},
        "action_defaults": _action_defaults(detail["topic"], today, settings),
        "place_settings": settings,
        "rule": _rule(settings),
        "labels": _labels(),
        "today": today,
        "errors": {}, "form": {}, "open_form": None,
        "comment_errors": {}, "reply_to": None, "comment_form": {},
        "merge_targets": await queries.merge_targets(detail["topic"]) if Action.merge in perm.actions else [],
        "photos": await photos_of_topic(topic_id, [p["id"] for p in detail["progress"]], [n["id"] for n in detail["notes"]]),
        "work_orders": await topic_orders(topic_id),
        "intake": await intake_queries.public_of_topic(topic_id),  # the channel when entered for a resident
        "may_assist": intake_queries.may_assist(viewer, (await places.tree()).path_of(detail["topic"]["grid"])),
        "meetings": await queries.meetings_of(topic_id),
        "meeting_place": await _meeting_place(perm, detail["topic"]),
    }
    ctx.update(extra)
    view = threads_view(detail, perm, **{k: ctx[k] for k in _DISCUSSION_EXTRA if k in ctx})
    ctx["threads_html"] = cached_block(request, "topics/_threads.html", "threads", view, forms=view.has_forms)
    return ctx


async def _meeting_place(perm: TopicPermissions, topic: dict) -> int | None:
    """Where the committee may schedule a meeting with this topic on its agenda (while the
    topic can still move; consult.meetings.lifecycle.AGENDA_STATES): its community."""
    if Role.committee.value not in perm.roles or perm.state in TERMINAL_STATES:
        return None
    node = (await places.tree()).of_kind_above(topic["grid"], "community")
    return node.id if node else None


def _after(request: Request, topic_id: int, message: str, anchor: str = "") -> Response:
    flash(request, message)
    return redirect(url("topics:detail", topic_id=topic_id) + anchor)


async def _block_or_redirect(request: Request, topic_id: int, block: str, message: str, anchor: str) -> Any:
    if is_htmx(request):
        return render(request, "topics/detail.html", await _detail_context(request, topic_id), block=block)
    return _after(request, topic_id, message, anchor)


async def _form_error(request: Request, topic_id: int, exc: InputError, form: dict, open_form: str) -> Template:
    ctx = await _detail_context(request, topic_id, errors=input_errors(exc), form=form, open_form=open_form)
    return render(request, "topics/detail.html", ctx, status_code=400)


# ---------------------------------------------------------------- the public list and page


def _query_string(params: dict) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return ("?" + urlencode(clean)) if clean else ""


@get("/topics", name="topics:list", dependencies=TOPIC_FILTERS)
async def list_topics(
    request: Request,
    filters: NamedDependency[queries.TopicFilters],
    mine: FromQuery[str] = "",
    page: FromQuery[int] = 1,
) -> Template:
    filters = only_mine(request, filters, mine)
    result = await queries.list_topics(filters, page)
    view = results_view(result, filters.params())

    async def load_filters() -> dict:
        return {"filters": filters, **await queries.filter_choices(result["revision"]), "labels": _labels()}

    # the form reads the filters (whose ``mine`` is only ever shown as "mine=1"), the
    # choices at the rows' revision and the labels: that is the whole key
    (filters_html,) = await cached_load("topics/_filters.html", ("filters",),
                                        at(result["revision"], tuple(filters.params().items())), load_filters)
    ctx = {
        "filters": filters,
        "filters_html": filters_html,
        "results_html": cached_block(request, "topics/_results.html", "results", view),
    }
    return render(
        request, "topics/list.html", ctx, block="results",
        push_url=url("topics:list") + _query_string({**filters.params(), "page": page if page > 1 else ""}),
    )


@get("/topics/{topic_id:int}", name="topics:detail")
async def show_topic(request: Request, topic_id: FromPath[int]) -> Template:
    return render(request, "topics/detail.html", await _detail_context(request, topic_id))


# ---------------------------------------------------------------- propose


async def _new_context(form: dict, errors: dict, grid_id: int | None = None) -> dict:
    return {**await queries.filter_choices(await content_revision()), "form": form,
            "errors": errors, "limits": {"title": TITLE_LENGTH, "description": DESCRIPTION_LENGTH},
            "screening_hours": (await places.settings_of(grid_id)).screening_hours}


@get("/topics/new", name="topics:new", guards=[requires(*who_may(A.propose))])
async def new_topic(request: Request) -> Template:
    viewer = viewer_of(request)
    return render(request, "topics/new.html", await _new_context({"grid_id": viewer.grid_id or ""}, {}, viewer.grid_id))


@post("/topics", name="topics:propose", guards=[requires(*who_may(A.propose))],
      request_max_body_size=MAX_REQUEST_BYTES)
async def propose_topic(request: Request) -> Any:
    form, uploads = await read_uploads(request, {"photos": PhotoKind.plain})
    try:
        batch = await photos_commands.prepare(uploads, ["photos"])
        topic_id = await commands.propose_topic(
            viewer_of(request), form.get("title"), form.get("description"), form.get("category"), form.get("grid_id"),
            photos=batch,
        )
    except (TopicInputError, PhotoInputError) as exc:
        return render(request, "topics/new.html", await _new_context(form, input_errors(exc), viewer_of(request).grid_id),
                      status_code=400)
    hours = (await places.settings_of(row_id(form.get("grid_id"))[0])).screening_hours  # checked by the command
    return _after(request, topic_id, _("Your topic is proposed. The committee will screen it within {hours} hours.",
                                       hours=hours))


# ---------------------------------------------------------------- second and stance


@post("/topics/{topic_id:int}/second", name="topics:second", guards=[requires(*who_may(A.second))])
async def second_topic(request: Request, topic_id: FromPath[int]) -> Any:
    await discussion.second_topic(viewer_of(request), topic_id)
    return await _block_or_redirect(request, topic_id, "engagement", _("You seconded this topic."), "#engagement")


@post("/topics/{topic_id:int}/stance", name="topics:stance", guards=[requires(*who_may(A.stance))])
async def set_stance(request: Request, topic_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        await discussion.set_stance(viewer_of(request), topic_id, form.get("stance"))
    except TopicInputError as exc:  # no form to show it beside: the alert area, as one sentence
        raise TopicRefused(" ".join(f"{k}: {v}" for k, v in input_errors(exc).items()), status_code=400) from exc
    return await _block_or_redirect(request, topic_id, "engagement", _("Your stance is saved."), "#engagement")


# ---------------------------------------------------------------- discussion


async def _discussion_error(request: Request, topic_id: int, **extra: Any) -> Any:
    ctx = await _detail_context(request, topic_id, **extra)
    return render(request, "topics/detail.html", ctx, block="discussion", status_code=400)


@post("/topics/{topic_id:int}/comments", name="topics:comment", guards=[requires(*who_may(A.comment, A.reply))])
async def add_comment(request: Request, topic_id: FromPath[int]) -> Any:
    form = await form_data(request)
    parent = form.get("parent_id") or None
    if parent and not id_text_or_blank(parent):
        parent = "0"  # a number no comment can have: refused as "not a choice" like any unknown parent
    try:
        await discussion.add_comment(viewer_of(request), topic_id, form.get("body"), parent)
    except TopicInputError as exc:
        return await _discussion_error(
            request, topic_id, comment_errors=input_errors(exc),
            reply_to=int(parent) if parent and parent.isdigit() else None, comment_form=form,
        )
    message = _("Your reply is posted.") if parent else _("Your comment is posted.")
    return await _block_or_redirect(request, topic_id, "discussion", message, "#discussion")


@post("/topics/{topic_id:int}/comments/{comment_id:int}/flag", name="topics:flag", guards=[requires(*who_may(A.flag))])
async def flag_comment(request: Request, topic_id: FromPath[int], comment_id: FromPath[int]) -> Any:
    await discussion.flag_comment(viewer_of(request), topic_id, comment_id)
    return await _block_or_redirect(
        request, topic_id, "discussion", _("Thank you: the committee will look at this comment."), f"#c{comment_id}"
    )


@post("/topics/{topic_id:int}/comments/{comment_id:int}/pin", name="topics:pin", guards=[requires(*who_may(A.pin))])
async def pin_comment(request: Request, topic_id: FromPath[int], comment_id: FromPath[int]) -> Any:
    pinned = await discussion.pin_comment(viewer_of(request), topic_id, comment_id)
    return await _block_or_redirect(
        request, topic_id, "discussion", _("Comment pinned.") if pinned else _("Comment unpinned."), f"#c{comment_id}"
    )


@post("/topics/{topic_id:int}/comments/{comment_id:int}/hide", name="topics:hide", guards=[requires(*who_may(A.hide))])
async def hide_comment(request: Request, topic_id: FromPath[int], comment_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        await discussion.hide_comment(viewer_of(request), topic_id, comment_id, form.get("reason"))
    except TopicInputError as exc:
        return await _discussion_error(
            request, topic_id, hide_errors={comment_id: input_errors(exc).get("reason", "")},
            hide_form={comment_id: form.get("reason", "")},
        )
    if form.get("next") and not is_htmx(request):  # from the committee's queue of flagged comments: back there
        flash(request, _("Comment hidden."))
        return redirect(safe_next(form["next"], url("topics:detail", topic_id=topic_id)))
    return await _block_or_redirect(request, topic_id, "discussion", _("Comment hidden."), f"#c{comment_id}")


@post("/topics/{topic_id:int}/comments/{comment_id:int}/guidance", name="topics:guidance", guards=[requires(*who_may(A.mark_guidance))])
async def mark_guidance(request: Request, topic_id: FromPath[int], comment_id: FromPath[int]) -> Any:
    on = await discussion.mark_guidance(viewer_of(request), topic_id, comment_id)
    message = _("Your comment is marked as guidance.") if on else _("Your comment is no longer marked as guidance.")
    return await _block_or_redirect(request, topic_id, "discussion", message, f"#c{comment_id}")


# ---------------------------------------------------------------- transitions (committee, staff)


def _action_values(action: Action, form: dict) -> dict[str, str | None]:
    """The fields ``ACTION_INPUTS`` names for ``action``, from the form. A topic number
    too large to name a row is sent as 0: refused as "not found", never to the database."""
    values = {}
    for spec in ACTION_INPUTS[action]:
        value = form.get(spec.name)
        if spec.kind == "topic" and value and not id_text_or_blank(value):
            value = "0"
        values[spec.name] = value
    return values


@post("/topics/{topic_id:int}/actions/{action:str}", name="topics:act", guards=[requires(*who_may(*ROUTED_ACTIONS))])
async def act_on_topic(request: Request, topic_id: FromPath[int], action: FromPath[str]) -> Any:
    """One route for every transition a person takes; the lifecycle says who may take
    which, and what each takes."""
    if action not in Action.__members__ or Action(action) not in ROUTED_ACTIONS:
        raise TransitionRefused("unknown_action", action=action)
    form = await form_data(request)
    try:
        await commands.take_action(viewer_of(request), topic_id, action, _action_values(Action(action), form))
    except TopicInputError as exc:
        return await _form_error(request, topic_id, exc, form, action)
    return _after(request, topic_id, _(ACTION_DONE[action]), "#timeline")


_OUTCOME_DONE = {
    "close": N_("Satisfaction reached the threshold: the project is completed."),
    "second_handling": N_("Satisfaction is below the threshold: the project goes back for second handling."),
    "extend": N_("Too few ratings: the evaluation window is extended once."),
}


@post("/topics/{topic_id:int}/evaluation/end", name="topics:end_evaluation",
      guards=[requires(*who_may(Action.close_satisfied))])
async def end_evaluation(request: Request, topic_id: FromPath[int]) -> Any:
    outcome = await projects.end_evaluation_now(viewer_of(request), topic_id)
    message = _(_OUTCOME_DONE[outcome]) if outcome in _OUTCOME_DONE else _("Nothing to decide.")
    return _after(request, topic_id, message, "#evaluation")


async def _submit(request: Request, topic_id: int, command: Any, open_form: str, done: str, anchor: str,
                  photo_fields: dict[str, PhotoKind] | None = None) -> Any:
    """A plain form: ``command(viewer, form)`` (with ``photo_fields``: a multipart form,
    ``command(viewer, form, photos)``); wrong input re-renders the page with the form open
    at 400, else the topic page with ``done``."""
    form, uploads = await read_uploads(request, photo_fields or {})
    try:
        if photo_fields is None:
            await command(viewer_of(request), form)
        else:
            await command(viewer_of(request), form, await photos_commands.prepare(uploads, list(photo_fields)))
    except (TopicInputError, PhotoInputError) as exc:
        return await _form_error(request, topic_id, exc, form, open_form)
    return _after(request, topic_id, _(done), anchor)


@post("/topics/{topic_id:int}/progress", name="topics:progress", guards=[requires(*who_may(A.progress))],
      request_max_body_size=MAX_REQUEST_BYTES)
async def post_progress(request: Request, topic_id: FromPath[int]) -> Any:
    return await _submit(
        request, topic_id, lambda viewer, form, photos: projects.post_progress(viewer, topic_id, form, photos=photos),
        "progress", N_("Progress posted."), "#progress",
        photo_fields={"photos_before": PhotoKind.before, "photos_after": PhotoKind.after},
    )


@post("/topics/{topic_id:int}/supervision", name="topics:supervision", guards=[requires(*who_may(A.supervision_note))],
      request_max_body_size=MAX_REQUEST_BYTES)
async def add_supervision_note(request: Request, topic_id: FromPath[int]) -> Any:
    return await _submit(
        request, topic_id,
        lambda viewer, form, photos: projects.add_supervision_note(viewer, topic_id, form.get("body"), photos=photos),
        "supervision", N_("Your supervision note is posted."), "#supervision", photo_fields={"photos": PhotoKind.plain},
    )


@post("/topics/{topic_id:int}/ratings", name="topics:rate", guards=[requires(*who_may(A.rate))])
async def rate_topic(request: Request, topic_id: FromPath[int]) -> Any:
    return await _submit(
        request, topic_id,
        lambda viewer, form: projects.rate_topic(viewer, topic_id, form.get("value"), form.get("comment")),
        "rate", N_("Thank you for your rating."), "#evaluation",
    )


# ---------------------------------------------------------------- the committee's queue


@get("/committee/screening", name="topics:screening", guards=[requires(*who_may(*SCREENING_ACTIONS))])
async def screening_queue(request: Request) -> Template:
    queue = await queries.screening_queue()
    return render(request, "topics/screening.html", {**queue, "labels": _labels(), "today": local_today()})


route_handlers = [
    list_topics, new_topic, propose_topic, show_topic, second_topic, set_stance, add_comment, flag_comment,
    pin_comment, hide_comment, mark_guidance, act_on_topic, end_evaluation, post_progress, add_supervision_note,
    rate_topic, screening_queue,
]
