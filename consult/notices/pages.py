"""Printed notices (公示) for the community notice board: a vote's result, a place's list of
projects, a topic's progress. Each is a page of public data only, laid out for an A4 sheet,
with a QR code to its public address and, for a vote, the SHA-256 of its published record."""

from __future__ import annotations

from litestar import Request, get
from litestar.params import FromPath
from litestar.enums import MediaType
from litestar.response import Template

from consult.accounts.guards import viewer_of
from consult.messages import N_, Refusal
import consult.notices.queries as queries
from consult.notices.qr import qr_svg
from consult.topics import queries as topic_queries
from consult.topics.clock import local_today
from consult.topics.labels import ACTION_LABELS, FUNDING_LABELS, RATING_LABELS, STATE_LABELS
from consult.voting import queries as vote_queries
from consult.voting.lifecycle import VoteState
from consult.voting.presentation import labels as vote_labels
from consult.voting.presentation import result_view
from consult.voting.record import RECORD_ALTERED, RecordAltered, published_record
from consult.web.i18n import gettext as _
from consult.web.errors import refusal_text
from consult.web.templating import base_context, url

NOT_PUBLISHED = N_("The result of this vote is printed once it is published.")


def public_base(request: Request) -> tuple[str, bool]:
    """The origin residents reach the site at, and whether it was configured.

    CONSULT_PUBLIC_URL when set: behind a reverse proxy the request's own scheme and Host
    are the proxy's view (http, an internal name), and a client can send any Host header,
    so a printed QR code must not trust them. Without it (development, a single server),
    the request's scheme and Host, and the page is not kept by any cache (see `_page`)."""
    configured = request.app.state.settings.public_url
    if configured:
        return configured, True
    return str(request.base_url).rstrip("/"), False


def _page(request: Request, template: str, ctx: dict, link: str, back: str | None = None) -> Template:
    """The sheet, its QR code to ``link`` on the public address. Flash messages stay in the
    session for the next ordinary page: a notice shows none."""
    base, configured = public_base(request)
    address = base + link
    headers = {"Cache-Control": "no-store"} if not configured else {}  # a Host-made address is this request's alone
    context = {**base_context(request, take_flashes=False), **ctx, "public_address": address,
               "back_link": back or link, "qr": qr_svg(address, _("QR code of {address}", address=address))}
    return Template(template_name=template, context=context, headers=headers, media_type=MediaType.HTML)


def _topic_labels() -> dict:
    t = lambda table: {str(k): _(v) for k, v in table.items()}  # noqa: E731
    return {"states": t(STATE_LABELS), "actions": t(ACTION_LABELS), "funding": t(FUNDING_LABELS),
            "ratings": t(RATING_LABELS)}


@get("/votes/{vote_id:int}/print", name="notices:vote")
async def vote_notice(request: Request, vote_id: FromPath[int]) -> Template:
    shared = await vote_queries.vote_page(vote_id, viewer_of(request))
    vote = shared["vote"]
    if vote["state"] != VoteState.published:
        raise Refusal(NOT_PUBLISHED, status_code=409)
    record = await published_record(vote)
    ctx = {"vote": vote, "labels": vote_labels(), "record": record, "today": local_today(), "altered": None,
           "receipt_count": len(record.data["ballots"]),
           "ballots_address": public_base(request)[0] + url("api:vote_ballots", vote_id=vote_id)}
    if record.intact:
        ctx["result"] = result_view(vote, shared["candidates"], record.result)
    else:  # the alarm, never a result counted from changed ballots
        ctx["altered"] = refusal_text(RecordAltered(RECORD_ALTERED, sealed=record.sealed_sha256, now=record.sha256))
    return _page(request, "notices/vote.html", ctx, url("votes:detail", vote_id=vote_id))


@get("/places/{place_id:int}/projects/print", name="notices:projects")
async def projects_notice(request: Request, place_id: FromPath[int]) -> Template:
    place, chain = await queries.place_of(place_id)
    today = local_today()
    ctx = {"place": place, "chain": chain, "today": today, "labels": _topic_labels(),
           "projects": await queries.place_projects(place, today)}
    return _page(request, "notices/projects.html", ctx, url("notices:projects", place_id=place_id),
                 back=url("topics:list"))


@get("/topics/{topic_id:int}/print", name="notices:topic")
async def topic_notice(request: Request, topic_id: FromPath[int]) -> Template:
    detail = await topic_queries.topic_detail(topic_id, None)  # what a visitor sees: no viewer's marks
    topic = detail["topic"]
    community = await queries.community_of(topic["grid"])
    ctx = {"topic": topic, "sheet": detail["sheet"], "progress": detail["progress"], "events": detail["events"],
           "evaluation": detail["evaluation"], "community": community, "today": local_today(),
           "labels": _topic_labels()}
    return _page(request, "notices/topic.html", ctx, url("topics:detail", topic_id=topic_id))
