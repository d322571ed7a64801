"""The committee's moderation: the queue of flagged comments (``/committee/flags``), showing
a hidden comment again, and dismissing a comment's flags. The rules are the lifecycle's
(``Activity.unhide``, ``Activity.dismiss_flags``: who may hide), checked by the commands."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from consult.accounts.guards import requires, viewer_of
import consult.topics.discussion as discussion
import consult.topics.moderation as moderation
from consult.topics.lifecycle import Activity
from consult.topics.pages import _labels
from consult.topics.permissions import who_may
from consult.web.forms import form_data, safe_next
from consult.web.i18n import gettext as _, ngettext
from consult.web.templating import flash, redirect, render, url


def back_to(form: dict, topic_id: int, comment_id: int) -> str:
    """Where the person came from (the queue), else the comment on its topic page."""
    return safe_next(form.get("next"), url("topics:detail", topic_id=topic_id) + f"#c{comment_id}")


@get("/committee/flags", name="topics:flags", guards=[requires(*who_may(Activity.hide))])
async def flag_queue(request: Request) -> Template:
    viewer = viewer_of(request)
    return render(request, "topics/flags.html", {
        "queue": await moderation.flag_queue(viewer), "recent": await moderation.recent_moderation(viewer),
        "labels": _labels(), "limit": moderation.QUEUE_LIMIT,
    })


@post("/topics/{topic_id:int}/comments/{comment_id:int}/unhide", name="topics:unhide",
      guards=[requires(*who_may(Activity.unhide))])
async def unhide_comment(request: Request, topic_id: FromPath[int], comment_id: FromPath[int]) -> Any:
    form = await form_data(request)
    await discussion.unhide_comment(viewer_of(request), topic_id, comment_id)
    flash(request, _("The comment is shown again; its open flags are dismissed."))
    return redirect(back_to(form, topic_id, comment_id))


@post("/topics/{topic_id:int}/comments/{comment_id:int}/dismiss-flags", name="topics:dismiss_flags",
      guards=[requires(*who_may(Activity.dismiss_flags))])
async def dismiss_flags(request: Request, topic_id: FromPath[int], comment_id: FromPath[int]) -> Any:
    form = await form_data(request)
    n = await discussion.dismiss_flags(viewer_of(request), topic_id, comment_id)
    flash(request, ngettext("{num} flag dismissed; the comment stays.", "{num} flags dismissed; the comment stays.", n))
    return redirect(back_to(form, topic_id, comment_id))


route_handlers = [flag_queue, unhide_comment, dismiss_flags]
