"""The author's pages for a topic not yet screened: the edit form and the confirmation of
withdrawing it (``consult.topics.authoring`` decides; these only show and send)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from consult.accounts.guards import requires, viewer_of
from consult.cache import content_revision
import consult.topics.authoring as authoring
import consult.topics.queries as queries
from consult.topics.forms import DESCRIPTION_LENGTH, TopicInputError
from consult.topics.labels import ACTION_DONE
from consult.topics.lifecycle import TITLE_LENGTH, Action, Activity
from consult.topics.pages import input_errors
from consult.topics.permissions import who_may
from consult.topics.timeline import load_topic
from consult.web.forms import confirmed, form_data
from consult.web.i18n import gettext as _
from consult.web.templating import flash, redirect, render, url


async def _edit_context(request: Request, topic: dict, form: dict, errors: dict) -> dict:
    choices = await queries.filter_choices(await content_revision())
    return {
        "topic": topic, "form": form, "errors": errors, "categories": choices["categories"],
        "grids": await authoring.grid_options(viewer_of(request), topic),
        "limits": {"title": TITLE_LENGTH, "description": DESCRIPTION_LENGTH},
    }


def _form_of(topic: dict, categories: list[dict]) -> dict:
    slug = next((c["slug"] for c in categories if c["id"] == topic["category"]), "")
    return {"title": topic["title"], "description": topic["description"], "category": slug, "grid_id": topic["grid"]}


@get("/topics/{topic_id:int}/edit", name="topics:edit_form", guards=[requires(*who_may(Activity.edit))])
async def edit_form(request: Request, topic_id: FromPath[int]) -> Template:
    topic = await load_topic(topic_id)
    authoring.check_may_edit(viewer_of(request), topic)
    ctx = await _edit_context(request, topic, {}, {})
    ctx["form"] = _form_of(topic, ctx["categories"])
    return render(request, "topics/edit.html", ctx)


@post("/topics/{topic_id:int}/edit", name="topics:edit", guards=[requires(*who_may(Activity.edit))])
async def edit_topic(request: Request, topic_id: FromPath[int]) -> Any:
    form = await form_data(request)
    try:
        changed = await authoring.edit_topic(viewer_of(request), topic_id, form)
    except TopicInputError as exc:
        ctx = await _edit_context(request, await load_topic(topic_id), form, input_errors(exc))
        return render(request, "topics/edit.html", ctx, status_code=400)
    flash(request, _("Your changes are saved and shown on the timeline.") if changed else _("Nothing was changed."))
    return redirect(url("topics:detail", topic_id=topic_id) + ("#timeline" if changed else ""))


@get("/topics/{topic_id:int}/withdraw", name="topics:withdraw_confirm", guards=[requires(*who_may(Action.withdraw))])
async def confirm_withdraw(request: Request, topic_id: FromPath[int]) -> Template:
    topic = await load_topic(topic_id)
    authoring.check_may_withdraw(viewer_of(request), topic)
    return render(request, "confirm.html", {
        "heading": _("Withdraw your topic “{title}”?", title=topic["title"]),
        "yes": _("Yes, withdraw my topic"),
        "explanation": [
            _("The committee will not screen it. It stays on the public list, marked as withdrawn, "
              "with its seconds and timeline."),
            _("Residents who seconded it are told that it was withdrawn."),
        ],
        "warning": _("A withdrawn topic cannot be brought back; you may propose a new one."),
        "action": url("topics:withdraw", topic_id=topic_id), "cancel": url("topics:detail", topic_id=topic_id),
        "next": None,
    })


@post("/topics/{topic_id:int}/withdraw", name="topics:withdraw", guards=[requires(*who_may(Action.withdraw))])
async def withdraw_topic(request: Request, topic_id: FromPath[int]) -> Any:
    if not confirmed(await form_data(request)):  # one tap on an old button: ask first, change nothing
        return redirect(url("topics:withdraw_confirm", topic_id=topic_id))
    await authoring.withdraw_topic(viewer_of(request), topic_id)
    flash(request, _(ACTION_DONE[Action.withdraw]))
    return redirect(url("topics:detail", topic_id=topic_id) + "#timeline")


route_handlers = [edit_form, edit_topic, confirm_withdraw, withdraw_topic]
