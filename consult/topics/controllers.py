"""Topics web: the public list and topic page, the committee's queue, every action as a
real form (htmx swaps the changed part in place), and the open-data JSON API.

htmx: an htmx request whose input is wrong gets the re-rendered block (with the messages
next to the fields) at 400, and a refusal gets a notice retargeted into ``#topic-alert``
at 409 (base.html tells htmx to swap 4xx answers); without JavaScript the same forms get
the whole page with the form at 400, or the 409 page.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template
from markupsafe import Markup, escape

from consult.accounts.domain import Viewer
from consult.accounts.guards import requires, viewer_of
from consult.cache import RevisionCache, content_revision
import consult.topics.domain as domain
import consult.topics.services as svc
from consult.topics.domain import (
    ACTION_LABELS,
    N_,
    FUNDING_LABELS,
    RATING_LABELS,
    STANCE_LABELS,
    STATE_LABELS,
    Action,
    Activity,
    TopicInputError,
    TopicState,
    TransitionRefused,
)
from consult.web.forms import form_data, id_text_or_blank
from consult.web.i18n import gettext as _
import consult.web.i18n as i18n
from consult.web.templating import fill_csrf, flash, is_htmx, redirect, render, shared_fragment

log = logging.getLogger("consult.topics")

RESIDENT = ("resident",)
COMMITTEE = ("committee",)
STAFF = ("staff",)
PARTY = ("party_member",)
RATERS = ("resident", "representative")
SUPERVISORS = ("resident", "representative")
SCREENING = {Action.open_discussion, Action.reject, Action.refer, Action.merge}

# ---------------------------------------------------------------- evaluation windows end by themselves

_last_close = 0.0
CLOSE_EVERY_SECONDS = 60


async def close_due_evaluations() -> None:
    """The periodic job (and the on-request check): decide every ended evaluation window."""
    results = await svc.close_due_evaluations()
    if results:
        log.info("evaluation windows decided: %s", results)


async def _close_due_throttled() -> None:
    """At most once a minute per process, at the start of the list and topic pages."""
    global _last_close
    now = time.monotonic()
    if now - _last_close < CLOSE_EVERY_SECONDS:
        return
    _last_close = now
    try:
        await close_due_evaluations()
    except Exception:  # noqa: BLE001 - a failed run must not break the page; logged, retried
        log.exception("closing due evaluations failed")


periodic = [(60, close_due_evaluations)]

# ---------------------------------------------------------------- messages


def _state_label(state: Any) -> str:
    if state is None or state == "":
        return _("not yet proposed")
    return _(STATE_LABELS.get(state, str(state)))


def _action_label(action: Any) -> str:
    return _(ACTION_LABELS.get(action, str(action)))


def refusal_message(exc: TransitionRefused) -> str:
    params = dict(exc.params)
    if "state" in params:
        params["state"] = _state_label(params["state"])
    if "action" in params:
        params["action"] = _action_label(params["action"])
    return _(exc.message, **params)


def input_errors(exc: TopicInputError) -> dict[str, str]:
    out = {}
    for name, err in exc.errors.items():
        params = dict(err.params)
        if "state" in params:
            params["state"] = _state_label(params["state"])
        out[name] = _(err.message, **params)
    return out


def _refusal_response(request: Request, message: str, status: int) -> Response:
    if request.url.path.startswith("/api/"):
        return Response({"status_code": status, "detail": message}, status_code=status, media_type=MediaType.JSON)
    if is_htmx(request):
        # put the message where the topic page shows alerts, not in place of the form
        return Response(
            f'<p class="notice error" role="alert">{escape(message)}</p>',
            status_code=status,
            media_type=MediaType.HTML,
            headers={"HX-Retarget": "#topic-alert", "HX-Reswap": "innerHTML", "Vary": "HX-Request"},
        )
    return render(request, "error.html", {"title": _("Not done"), "message": message}, status_code=status)


def transition_refused(request: Request, exc: TransitionRefused) -> Response:
    return _refusal_response(request, refusal_message(exc), 409)


def topic_refused(request: Request, exc: svc.TopicRefused) -> Response:
    return _refusal_response(request, _(exc.message, **exc.params), exc.status_code)


def topic_input_error(request: Request, exc: TopicInputError) -> Response:
    """Fallback (handlers re-render their own forms): every message at 400."""
    message = " ".join(f"{k}: {v}" for k, v in input_errors(exc).items())
    return _refusal_response(request, message, 400)


exception_handlers = {
    TransitionRefused: transition_refused,
    svc.TopicRefused: topic_refused,
    TopicInputError: topic_input_error,
}

# ---------------------------------------------------------------- shared context


def _labels() -> dict:
    """The pages' labels in the request's language (built once per language: read-only)."""
    return _labels_in(i18n.get_locale())


@functools.lru_cache(maxsize=8)
def _labels_in(locale: str) -> dict:
    return {
        "states": {s.value: _(STATE_LABELS[s]) for s in TopicState},
        "actions": {str(k): _(v) for k, v in ACTION_LABELS.items()},
        "stances": {s.value: _(STANCE_LABELS[s]) for s in domain.Stance},
        "ratings": {r.value: _(RATING_LABELS[r]) for r in domain.Rating},
        "funding": {f.value: _(FUNDING_LABELS[f]) for f in domain.FundingRoute},
    }


def _today() -> date:
    return svc.local_today()


async def _detail_context(request: Request, topic_id: int, **extra: Any) -> dict:
    viewer = viewer_of(request)
    detail = await svc.topic_detail(topic_id, viewer)
    topic = detail["topic"]
    state = TopicState(topic["state"])
    roles = viewer.granted
    in_grid = viewer.grid_id is not None and viewer.grid_id == topic["grid"]
    can = {a.value: domain.can(a, state, roles, in_topic_grid=in_grid) for a in Activity}
    can["mark_guidance"] = domain.can(Activity.mark_guidance, state, roles, is_author=True)
    actions = [a.value for a in domain.allowed_actions(state, roles)]
    today = _today()
    ctx = {
        **detail,
        "state": state.value,
        "can": can,
        "actions": actions,
        "can_end_evaluation": "close_satisfied" in actions,
        "labels": _labels(),
        "today": today,
        "default_discussion_end": today + timedelta(days=domain.DISCUSSION_DEFAULT_DAYS),
        "default_evaluation_end": today + timedelta(days=domain.EVALUATION_DEFAULT_DAYS),
        "errors": {},
        "form": {},
        "open_form": None,
        "comment_errors": {},
        "reply_to": None,
        "comment_form": {},
        "hide_errors": {},
        "hide_form": {},
    }
    ctx.update(extra)
    ctx["threads_html"] = _shared_threads_html(request, ctx, viewer)
    return ctx


_THREADS_HTML = RevisionCache("topic_threads_html", size=256)
_RESULTS_HTML = RevisionCache("topic_results_html", size=256)


def _results_html(request: Request, ctx: dict) -> Markup:
    """The list's result rows are the same for every viewer: the HTML is remembered under
    exactly what it is made of (every shown value of every row, the page, the filters
    and the language), so it can never show anything else."""
    key = (
        i18n.get_locale(), ctx["total"], ctx["page"], ctx["has_prev"], ctx["has_next"],
        tuple(sorted(ctx["params"].items())), tuple(tuple(row.items()) for row in ctx["rows"]),
    )
    return _RESULTS_HTML.get_or_make(key, lambda: shared_fragment(request, "topics/list.html", "results_body", ctx))


_COMMENT_ACTIONS = ("flag", "mark_guidance", "pin", "hide", "reply")


def _shared_threads_html(request: Request, ctx: dict, viewer: Viewer) -> Markup | None:
    """The comments' HTML depends on the data (content revision), the language, which
    comment actions the viewer has, whether they see flag counts (committee), which of
    the comments are their own and which they flagged, and the CSRF token. Everything but
    the token goes into the key, so everyone alike shares one rendering (every visitor;
    every resident who has not written or flagged here) and the token is filled in per
    request. None: render for this viewer (an error is being shown in the discussion)."""
    if ctx["revision"] is None or ctx["reply_to"] is not None or ctx["hide_errors"] or ctx["hide_form"]:
        return None
    can = ctx["can"]
    actions = tuple(bool(can[a]) for a in _COMMENT_ACTIONS)
    own = frozenset(
        c["id"] for t in ctx["threads"] for c in (t, *t["replies"]) if c["author"] == viewer.id
    ) if viewer.signed_in else frozenset()
    key = (ctx["revision"], ctx["topic"]["id"], i18n.get_locale(), actions, viewer.has("committee"), own,
           frozenset(ctx["mine"]["flagged"]))
    html = _THREADS_HTML.get_or_make(
        key, lambda: shared_fragment(request, "topics/detail.html", "threads", ctx, csrf_placeholder=True))
    return fill_csrf(html, request) if any(actions) else html


def _after(request: Request, topic_id: int, message: str, anchor: str = "") -> Response:
    flash(request, message)
    return redirect(f"/topics/{topic_id}{anchor}")


async def _block_or_redirect(request: Request, topic_id: int, block: str, message: str, anchor: str) -> Any:
    if is_htmx(request):
        return render(request, "topics/detail.html", await _detail_context(request, topic_id), block=block)
    return _after(request, topic_id, message, anchor)


# ---------------------------------------------------------------- the public list and page


def _query_string(params: dict) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return ("?" + urlencode(clean)) if clean else ""


def topic_filters(
    q: FromQuery[str] = "",
    topic_state: Annotated[str, QueryParameter(name="state", description="a topic state")] = "",
    category: FromQuery[str] = "",
    grid: FromQuery[str] = "",
    flag: FromQuery[str] = "",
    sort: FromQuery[str] = "",
) -> svc.TopicFilters:
    """The public list's filters from the query string, as a dependency: the same six
    parameters for /topics, /api/v1/topics and /topics.csv."""
    return svc.TopicFilters.parse(q, topic_state, category, id_text_or_blank(grid), flag, sort, None)


TOPIC_FILTERS = {"filters": Provide(topic_filters, sync_to_thread=False)}


def only_mine(request: Request, filters: svc.TopicFilters, mine: str) -> svc.TopicFilters:
    """``mine=1`` narrows the list to the signed-in viewer's own topics (ignored for visitors)."""
    viewer = viewer_of(request)
    return dataclasses.replace(filters, mine=viewer.id) if mine and viewer.signed_in else filters


@get("/topics", name="topics:list", dependencies=TOPIC_FILTERS)
async def list_topics(
    request: Request,
    filters: NamedDependency[svc.TopicFilters],
    mine: FromQuery[str] = "",
    page: FromQuery[int] = 1,
) -> Template:
    await _close_due_throttled()
    filters = only_mine(request, filters, mine)
    result = await svc.list_topics(filters, page)
    ctx = {
        **result,
        "filters": filters,
        "params": filters.params(),
        **await svc.filter_choices(result["revision"]),
        "labels": _labels(),
    }
    ctx["results_html"] = _results_html(request, ctx)
    return render(
        request,
        "topics/list.html",
        ctx,
        block="results",
        push_url="/topics" + _query_string({**filters.params(), "page": page if page > 1 else ""}),
    )


@get("/topics/{topic_id:int}", name="topics:detail")
async def show_topic(request: Request, topic_id: FromPath[int]) -> Template:
    await _close_due_throttled()
    return render(request, "topics/detail.html", await _detail_context(request, topic_id))


# ---------------------------------------------------------------- propose


async def _new_context(form: dict, errors: dict) -> dict:
    return {**await svc.filter_choices(await content_revision()), "form": form,
            "errors": errors, "limits": {"title": domain.TITLE_LENGTH, "description": domain.DESCRIPTION_LENGTH}}


@get("/topics/new", name="topics:new", guards=[requires(*RESIDENT)])
async def new_topic(request: Request) -> Template:
    viewer = viewer_of(request)
    return render(request, "topics/new.html", await _new_context({"grid_id": viewer.grid_id or ""}, {}))


@post("/topics", name="topics:propose", guards=[requires(*RESIDENT)])
async def propose_topic(request: Request) -> Any:
    form = await form_data(request)
    try:
        topic_id = await svc.propose_topic(
            viewer_of(request), form.get("title"), form.get("description"), form.get("category"), form.get("grid_id")
        )
    except TopicInputError as exc:
        return render(request, "topics/new.html", await _new_context(form, input_errors(exc)), status_code=400)
    return _after(request, topic_id, _("Your topic is proposed. The committee will screen it within two days."))


# ---------------------------------------------------------------- second and stance


@post("/topics/{topic_id:int}/second", name="topics:second", guards=[requires(*RESIDENT)])
async def second_topic(request: Request, topic_id: FromPath[int]) -> Any:
    await svc.second_topic(viewer_of(request), topic_id)
    return await _block_or_redirect(request, topic_id, "engagement", _("You seconded this topic."), "#engagement")


@post("/topics/{topic_id:int}/stance", name="topics:stance", guards=[requires(*RESIDENT)])
async def set_stance(request: Request, topic_id: FromPath[int]) -> Any:
    form = await form_data(request)
    await svc.set_stance(viewer_of(request), topic_id, form.get("stance"))
    return await _block_or_redirect(request, topic_id, "engagement", _("Your stance is saved."), "#engagement")


# ---------------------------------------------------------------- discussion


async def _discussion_error(request: Request, topic_id: int, **extra: Any) -> Any:
    ctx = await _detail_context(request, topic_id, **extra)
    return render(request, "topics/detail.html", ctx, block="discussion", status_code=400)


@post("/topics/{topic_id:int}/comments", name="topics:comment", guards=[requires(*RESIDENT)])
async def add_comment(request: Request, topic_id: FromPath[int]) -> Any:
    form = await form_data(request)
    parent = form.get("parent_id") or None
    if parent and not id_text_or_blank(parent):
        parent = "0"  # a number no comment can have: refused as "not a choice" like any unknown parent
    try:
        await svc.add_comment(viewer_of(request), topic_id, form.get("body"), parent)
    except TopicInputError as exc:
        return await _discussion_error(
            request, topic_id, comment_errors=input_errors(exc), reply_to=int(parent) if parent and parent.isdigit() else None,
            comment_form=form,
        )
    message = _("Your reply is posted.") if parent else _("Your comment is posted.")
    return await _block_or_redirect(request, topic_id, "discussion", message, "#discussion")


@post("/topics/{topic_id:int}/comments/{comment_id:int}/flag", name="topics:flag", guards=[requires(*RESIDENT)])
async def flag_comment(request: Request, topic_id: FromPath[int], comment_id: FromPath[int]) -> Any:
    await svc.flag_comment(viewer_of(request), topic_id, comment_id)
    return await _block_or_redirect(
        request, topic_id, "discussion", _("Thank you: the committee will look at this comment."), f"#c{comment_id}"
    )


@post("/topics/{topic_id:int}/comments/{comment_id:int}/pin", name="topics:pin", guards=[requires(*COMMITTEE)])
async def pin_comment(request: Request, topic_id: FromPath[int], comment_id: FromPath[int]) -> Any:
    pinned = await svc.pin_comment(viewer_of(request), topic_id, comment_id)
    return await _block_or_redirect(
        request, topic_id, "discussion", _("Comment pinned.") if pinned else _("Comment unpinned."), f"#c{comment_id}"
    )


@post("/topics/{topic_id:int}/comments/{comment_id:int}/hide", name="topics:hide", guards=[requires(*COMMITTEE)])
async def hide_comment(request: Request, topic_id: FromPath[int], comment_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        await svc.hide_comment(viewer_of(request), topic_id, comment_id, form.get("reason"))
    except TopicInputError as exc:
        return await _discussion_error(
            request, topic_id, hide_errors={comment_id: input_errors(exc).get("reason", "")},
            hide_form={comment_id: form.get("reason", "")},
        )
    return await _block_or_redirect(request, topic_id, "discussion", _("Comment hidden."), f"#c{comment_id}")


@post("/topics/{topic_id:int}/comments/{comment_id:int}/guidance", name="topics:guidance", guards=[requires(*PARTY)])
async def mark_guidance(request: Request, topic_id: FromPath[int], comment_id: FromPath[int]) -> Any:
    on = await svc.mark_guidance(viewer_of(request), topic_id, comment_id)
    message = _("Your comment is marked as guidance.") if on else _("Your comment is no longer marked as guidance.")
    return await _block_or_redirect(request, topic_id, "discussion", message, f"#c{comment_id}")


# ---------------------------------------------------------------- transitions (committee, staff)


ACTION_DONE = {
    Action.open_discussion: N_("The discussion is open."),
    Action.reject: N_("The topic is not accepted; the reason is public."),
    Action.refer: N_("The topic is referred."),
    Action.merge: N_("The topic is merged; its seconds and followers carried over."),
    Action.form_project: N_("The discussion is closed and the project is formed."),
    Action.start_implementation: N_("Implementation has started."),
    Action.open_evaluation: N_("The evaluation window is open."),
}


def _done_message(action: Action) -> str:
    return _(ACTION_DONE[action])


@post("/topics/{topic_id:int}/actions/{action:str}", name="topics:act", guards=[requires("committee", "staff")])
async def act_on_topic(request: Request, topic_id: FromPath[int], action: FromPath[str]) -> Any:
    """One route for every transition a person takes; the domain says who may take which."""
    viewer = viewer_of(request)
    form = await form_data(request)
    given = form
    if form.get("target_id") and not id_text_or_blank(form["target_id"]):
        form = {**form, "target_id": "0"}  # too large to name a topic: refused as "not a choice", not sent to the database
    try:
        if action in SCREENING:
            await svc.screen_topic(viewer, topic_id, action, form)
        elif action == Action.form_project:
            await svc.form_project(viewer, topic_id, form)
        elif action == Action.start_implementation:
            await svc.start_implementation(viewer, topic_id)
        elif action == Action.open_evaluation:
            await svc.open_evaluation(viewer, topic_id, form.get("end_date"))
        else:
            raise TransitionRefused("unknown_action", action=action)
    except TopicInputError as exc:
        ctx = await _detail_context(request, topic_id, errors=input_errors(exc), form=given, open_form=action)
        return render(request, "topics/detail.html", ctx, status_code=400)
    return _after(request, topic_id, _done_message(Action(action)), "#timeline")


@post("/topics/{topic_id:int}/evaluation/end", name="topics:end_evaluation", guards=[requires(*STAFF)])
async def end_evaluation(request: Request, topic_id: FromPath[int]) -> Any:
    outcome = await svc.end_evaluation_now(viewer_of(request), topic_id)
    messages = {
        "close": _("Satisfaction reached the threshold: the project is completed."),
        "second_handling": _("Satisfaction is below the threshold: the project goes back for second handling."),
        "extend": _("Too few ratings: the evaluation window is extended once."),
    }
    return _after(request, topic_id, messages.get(outcome or "", _("Nothing to decide.")), "#evaluation")


@post("/topics/{topic_id:int}/progress", name="topics:progress", guards=[requires(*STAFF)])
async def post_progress(request: Request, topic_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        await svc.post_progress(viewer_of(request), topic_id, form)
    except TopicInputError as exc:
        ctx = await _detail_context(request, topic_id, errors=input_errors(exc), form=form, open_form="progress")
        return render(request, "topics/detail.html", ctx, status_code=400)
    return _after(request, topic_id, _("Progress posted."), "#progress")


@post("/topics/{topic_id:int}/supervision", name="topics:supervision", guards=[requires(*SUPERVISORS)])
async def add_supervision_note(request: Request, topic_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        await svc.add_supervision_note(viewer_of(request), topic_id, form.get("body"))
    except TopicInputError as exc:
        ctx = await _detail_context(request, topic_id, errors=input_errors(exc), form=form, open_form="supervision")
        return render(request, "topics/detail.html", ctx, status_code=400)
    return _after(request, topic_id, _("Your supervision note is posted."), "#supervision")


@post("/topics/{topic_id:int}/ratings", name="topics:rate", guards=[requires(*RATERS)])
async def rate_topic(request: Request, topic_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        await svc.rate_topic(viewer_of(request), topic_id, form.get("value"), form.get("comment"))
    except TopicInputError as exc:
        ctx = await _detail_context(request, topic_id, errors=input_errors(exc), form=form, open_form="rate")
        return render(request, "topics/detail.html", ctx, status_code=400)
    return _after(request, topic_id, _("Thank you for your rating."), "#evaluation")


# ---------------------------------------------------------------- the committee's queue


@get("/committee/screening", name="topics:screening", guards=[requires(*COMMITTEE)])
async def screening_queue(request: Request) -> Template:
    queue = await svc.screening_queue()
    return render(request, "topics/screening.html", {**queue, "labels": _labels(), "today": _today(),
                                                     "response_hours": domain.RESPONSE_HOURS})


# ---------------------------------------------------------------- open data (JSON)


@dataclass
class TopicSummary:
    id: int
    title: str
    state: str
    category: str
    grid_id: int
    grid: str
    created_at: datetime
    seconds: int
    support: int
    oppose: int
    neutral: int
    comments: int
    deadline: date | None
    overdue: bool
    unanswered: bool
    url: str


@dataclass
class TopicPage:
    items: list[TopicSummary]
    page: int
    per_page: int
    total: int
    has_next: bool


@dataclass
class TimelineEntry:
    at: datetime
    actor: str | None
    action: str
    from_state: str
    to_state: str
    note: str
    round: int
    detail: dict[str, Any]


@dataclass
class ProjectSheetOut:
    title: str
    scope: str
    estimated_cost: int
    responsible_unit: str
    responsible_person: str
    deadline: date
    funding_route: str


@dataclass
class ProgressOut:
    percent: int
    note: str
    date: date
    round: int
    author: str


@dataclass
class SupervisionOut:
    body: str
    author: str
    representative: bool
    round: int
    created_at: datetime


@dataclass
class RoundTally:
    round: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    total: int
    satisfaction_percent: float | None


@dataclass
class CommentOut:
    id: int
    parent_id: int | None
    author: str
    party_member: bool
    guidance: bool
    pinned: bool
    hidden: bool
    hidden_reason: str | None
    body: str | None  # withheld (null) when hidden
    created_at: datetime


@dataclass
class TopicDetail:
    id: int
    title: str
    description: str
    state: str
    category: str
    grid: str
    author: str
    created_at: datetime
    round: int
    seconds: int
    support: int
    oppose: int
    neutral: int
    overdue: bool
    unanswered: bool
    discussion_ends_on: date | None
    evaluation_ends_on: date | None
    reject_reason: str
    department: str
    reference_number: str
    merged_into: int | None
    consensus_summary: str
    project: ProjectSheetOut | None
    progress: list[ProgressOut]
    supervision_notes: list[SupervisionOut]
    evaluation: list[RoundTally]
    comments: list[CommentOut]
    timeline: list[TimelineEntry]


def _summary(row: dict) -> TopicSummary:
    return TopicSummary(
        id=row["id"], title=row["title"], state=row["state"], category=row["category"], grid_id=row["grid_id"],
        grid=row["grid_name"], created_at=row["created_at"], seconds=row["seconds"], support=row["support"],
        oppose=row["oppose"], neutral=row["neutral"], comments=row["comments"], deadline=row["deadline"],
        overdue=row["overdue"], unanswered=row["unanswered"], url=f"/topics/{row['id']}",
    )


@get("/api/v1/topics", name="api:topics", tags=["topics"], dependencies=TOPIC_FILTERS)
async def api_list_topics(filters: NamedDependency[svc.TopicFilters], page: FromQuery[int] = 1) -> TopicPage:
    """The public list (问题清单): same filters and sorts as /topics, 20 per page."""
    result = await svc.list_topics(filters, page)
    return TopicPage(
        items=[_summary(r) for r in result["rows"]], page=result["page"], per_page=result["per_page"],
        total=result["total"], has_next=result["has_next"],
    )


@get("/api/v1/topics/{topic_id:int}", name="api:topic", tags=["topics"])
async def api_topic(topic_id: FromPath[int]) -> TopicDetail:
    """One topic with its timeline, project sheet, progress and evaluation tallies.
    A hidden comment's text is withheld."""
    d = await svc.topic_detail(topic_id, None)
    t = d["topic"]
    sheet = d["sheet"]
    comments = []
    for c in d["threads"]:
        for item in [c, *c["replies"]]:
            comments.append(CommentOut(
                id=item["id"], parent_id=item["parent"], author=item["author_name"], party_member=item["party_badge"],
                guidance=item["guidance"], pinned=item["pinned"], hidden=item["hidden"],
                hidden_reason=item["hidden_reason"] if item["hidden"] else None,
                body=None if item["hidden"] else item["body"], created_at=item["created_at"],
            ))
    return TopicDetail(
        id=t["id"], title=t["title"], description=t["description"], state=t["state"], category=t["category"],
        grid=t["grid_name"], author=d["author_name"], created_at=t["created_at"], round=t["round"],
        seconds=t["seconds"], support=t["support"], oppose=t["oppose"], neutral=t["neutral"], overdue=t["overdue"],
        unanswered=t["unanswered"], discussion_ends_on=t["discussion_ends_on"],
        evaluation_ends_on=t["evaluation_ends_on"], reject_reason=t["reject_reason"], department=t["department"],
        reference_number=t["reference_number"], merged_into=t["merged_into"],
        consensus_summary=t["consensus_summary"],
        project=ProjectSheetOut(
            title=sheet["title"], scope=sheet["scope"], estimated_cost=int(sheet["estimated_cost"]),
            responsible_unit=sheet["responsible_unit"], responsible_person=sheet["responsible_person"],
            deadline=sheet["deadline"], funding_route=sheet["funding_route"],
        ) if sheet else None,
        progress=[ProgressOut(percent=p["percent"], note=p["note"], date=p["on_date"], round=p["round"],
                              author=p["author_name"]) for p in d["progress"]],
        supervision_notes=[SupervisionOut(body=n["body"], author=n["author_name"],
                                          representative=n["author_is_representative"], round=n["round"],
                                          created_at=n["created_at"]) for n in d["notes"]],
        evaluation=[RoundTally(round=e["round"], satisfied=e["satisfied"],
                               basically_satisfied=e["basically_satisfied"], unsatisfied=e["unsatisfied"],
                               total=e["total"], satisfaction_percent=e["rate_percent"]) for e in d["evaluation"]],
        comments=comments,
        timeline=[TimelineEntry(at=e["at"], actor=e["actor_name"], action=e["action"], from_state=e["from_state"],
                                to_state=e["to_state"], note=e["note"], round=e["round"],
                                detail=e["detail"]) for e in d["events"]],
    )


route_handlers = [
    list_topics, new_topic, propose_topic, show_topic, second_topic, set_stance, add_comment, flag_comment,
    pin_comment, hide_comment, mark_guidance, act_on_topic, end_evaluation, post_progress, add_supervision_note,
    rate_topic, screening_queue, api_list_topics, api_topic,
]
