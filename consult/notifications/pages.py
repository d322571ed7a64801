"""Notifications web: the bell, the list, mark read, preferences; staff announcements."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from consult.roles import ROLE_LABELS, Role
from consult.accounts.guards import requires, signed_in, viewer_of
from consult.places.queries import grid_choices
import consult.notifications.groups as groups_of
import consult.notifications.services as services
from consult.messages import N_, Refusal
from consult.notifications.domain import KIND_LABELS, KINDS, Group, Kind, NotificationInputError, render_message
from consult.web.forms import field_errors, form_data, safe_next
from consult.web.i18n import gettext as _, ngettext
from consult.web.templating import flash, is_htmx, redirect, render, url

CHANGED = "notifications-changed"  # htmx event: the bell refreshes itself when it hears it


def _present(row: dict) -> dict:
    """A stored notification as shown: its English template translated and filled in."""
    return {
        **row,
        "text": render_message(_, row["message"], row["params"] if isinstance(row["params"], dict) else {}),
        "kind_label": _(KIND_LABELS[Kind(row["kind"])]) if row["kind"] in KINDS else row["kind"],
    }


def _changed(response: Template) -> Template:
    response.headers["HX-Trigger"] = CHANGED
    return response


# ---------------------------------------------------------------- the bell and the list


@get("/notifications/count", name="notifications:count", cache=False, opt={"no_store": True})
async def notification_count(request: Request) -> Template:
    """Only the bell's badge (an htmx fragment). A visitor gets an empty badge that stops polling."""
    viewer = viewer_of(request)
    count = await services.unread_count(viewer.id) if viewer.signed_in else 0
    return render(request, "notifications/badge.html", {"count": count})


async def _list_context(user_id: int, page: int = 1) -> dict:
    """The list: unread notifications grouped by subject, then a page of those already read."""
    groups, unread = await groups_of.unread_groups(user_id)
    items, page, has_next = await groups_of.read_page(user_id, page)
    return {
        "groups": [_present_group(g) for g in groups],
        "items": [_present(n) for n in items],
        "page": page,
        "has_next": has_next,
        "unread": unread,
    }


def _present_group(group: Group) -> dict:
    return {"subject": group.subject, "count": group.count, "kind": group.kind, "about": group.about,
            "title": group.title, "link": group.subject if group.about != "announcements" else "",
            "newest": _present(group.newest), "members": [_present(n) for n in group.items]}


@get("/notifications", name="notifications:list", guards=[signed_in])
async def list_notifications(request: Request, page: FromQuery[int] = 1) -> Template:
    return render(request, "notifications/list.html", await _list_context(viewer_of(request).id, page),
                  block="notification_list")


@post("/notifications/{notification_id:int}/read", name="notifications:read", guards=[signed_in])
async def read_notification(request: Request, notification_id: FromPath[int]) -> Any:
    viewer = viewer_of(request)
    form = await form_data(request)
    await services.mark_read(viewer.id, notification_id)
    if is_htmx(request):
        row = await services.get_for(viewer.id, notification_id)
        return _changed(render(request, "notifications/list.html", {"n": _present(row), "page": 1}, block="item"))
    return redirect(safe_next(form.get("next"), url("notifications:list")))


def _whole_list(request: Request, ctx: dict) -> Template:
    return _changed(render(request, "notifications/list.html", ctx, block="notification_list",
                           push_url=url("notifications:list")))


@post("/notifications/read-all", name="notifications:read_all", guards=[signed_in])
async def read_all_notifications(request: Request) -> Any:
    viewer = viewer_of(request)
    form = await form_data(request)
    count = await services.mark_all_read(viewer.id)
    if is_htmx(request):
        return _whole_list(request, await _list_context(viewer.id))
    flash(request, ngettext("{num} notification marked read.", "{num} notifications marked read.", count))
    return redirect(safe_next(form.get("next"), url("notifications:list")))


@post("/notifications/groups/read", name="notifications:read_group", guards=[signed_in])
async def read_notification_group(request: Request) -> Any:
    """Mark read every unread notification about one subject (a topic, a vote, the announcements)."""
    viewer = viewer_of(request)
    form = await form_data(request)
    try:
        count = await groups_of.mark_group_read(viewer.id, form.get("subject", ""))
    except ValueError:
        raise Refusal(N_("There is no such group of notifications."), status_code=400) from None
    if is_htmx(request):
        return _whole_list(request, await _list_context(viewer.id))
    flash(request, ngettext("{num} notification marked read.", "{num} notifications marked read.", count))
    return redirect(safe_next(form.get("next"), url("notifications:list")))


# ---------------------------------------------------------------- preferences


def _preference_rows(prefs: dict[str, bool]) -> list[dict]:
    return [{"kind": k, "label": _(KIND_LABELS[Kind(k)]), "enabled": prefs[k]} for k in KINDS]


@get("/notifications/preferences", name="notifications:preferences", guards=[signed_in])
async def preferences_form(request: Request) -> Template:
    prefs = await services.preferences_of(viewer_of(request).id)
    return render(request, "notifications/preferences.html", {"kinds": _preference_rows(prefs)})


@post("/notifications/preferences", name="notifications:save_preferences", guards=[signed_in])
async def save_preferences(request: Request) -> Redirect:
    form = await request.form()
    chosen = set(form.getall("kinds")) if "kinds" in form else set()
    await services.set_preferences(viewer_of(request).id, {k: k in chosen for k in KINDS})
    flash(request, _("Your notification choices are saved."))
    return redirect(url("notifications:preferences"))


# ---------------------------------------------------------------- announcements


@get("/announcements/{announcement_id:int}", name="notifications:announcement", guards=[signed_in])
async def show_announcement(request: Request, announcement_id: FromPath[int]) -> Template:
    row = await services.open_announcement(viewer_of(request), announcement_id)
    return render(request, "notifications/announcement.html", {"a": row})


def _role_options() -> list[tuple[str, str]]:
    return [(r.value, _(ROLE_LABELS[r])) for r in Role]


async def _announcements_page(request: Request, form: dict, errors: dict, status_code: int = 200) -> Template:
    grids = await services.sender_grids(viewer_of(request))  # only the grids of the sender's places
    names = {g["id"]: g["name"] for g in await grid_choices()}  # every grid: past announcements name them
    return render(
        request,
        "notifications/announcements.html",
        {
            "announcements": await services.list_announcements(),
            "grids": grids,
            "grid_names": names,
            "served": await services.served_places(viewer_of(request)),
            "role_options": _role_options(),
            "role_labels": {r.value: _(ROLE_LABELS[r]) for r in Role},
            "form": form,
            "errors": errors,
        },
        status_code=status_code,
    )


@get("/staff/announcements", name="notifications:announcements", guards=[requires("staff")])
async def list_announcements(request: Request) -> Template:
    return await _announcements_page(request, {"grid_ids": []}, {})


@post("/staff/announcements", name="notifications:announce", guards=[requires("staff")])
async def send_announcement(request: Request) -> Any:
    raw = await request.form()
    grid_ids = raw.getall("grid_ids") if "grid_ids" in raw else []
    form = {
        "title": raw.get("title", "") if isinstance(raw.get("title", ""), str) else "",
        "body": raw.get("body", "") if isinstance(raw.get("body", ""), str) else "",
        "role": raw.get("role", "") if isinstance(raw.get("role", ""), str) else "",
        "everyone": raw.get("everyone") == "1",
        "grid_ids": [g for g in grid_ids if isinstance(g, str)],
    }
    try:
        announcement_id = await services.announce(
            viewer_of(request), form["title"], form["body"], form["grid_ids"], form["role"] or None, form["everyone"]
        )
    except NotificationInputError as exc:
        return await _announcements_page(request, form, field_errors(exc.errors), status_code=400)
    stats = await services.announcement_stats(announcement_id)
    flash(request, _("Announcement sent to {n} people.", n=stats.recipients))
    return redirect(url("notifications:announcements"))


route_handlers = [
    notification_count, list_notifications, read_notification, read_all_notifications, read_notification_group,
    preferences_form, save_preferences, show_announcement, list_announcements, send_announcement,
]
