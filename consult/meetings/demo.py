"""Demo meetings of 幸福里社区: a red council hall held six days ago, with its attendance,
head count, minutes and a decision on each of its two agenda topics (one opened for
discussion by a show of hands, one not accepted), and a residents' council meeting next
week whose agenda holds topics under discussion. Written through the real commands, then
moved to the story's days (``consult.topics.demo_clock``). Idempotent by title."""

from __future__ import annotations

from datetime import timedelta

from consult import db
from consult.accounts.demo import load_base_places
from consult.accounts.services import load_viewer
from consult.accounts.tables import User
from consult.meetings import commands, queries
from consult.meetings.forms import LOCAL
from consult.meetings.tables import Meeting, MeetingDecision
from consult.topics import commands as topic_commands
from consult.topics.clock import utcnow
from consult.topics.demo_clock import StoryClock
from consult.topics.lifecycle import TopicState

HELD = "十一月红色议事厅：口袋公园与广场舞音响"
UPCOMING = "十二月居民议事会"
HELD_DAYS_AGO = 6
MINUTES = (
    "陈书记主持，社区小吴记录。\n"
    "一、小区北侧空地改建口袋公园：居民代表介绍了空地现状，多数与会居民赞成先开展线上讨论，"
    "收集对座椅、儿童设施和绿化的意见，讨论两周后再议方案。举手表决通过。\n"
    "二、广场舞音响扰民：经协商，由楼栋长与舞队商定晚间八点半前结束并调低音量，不作为议题立项。"
)


async def _people() -> dict:
    names = ("demo_resident", "demo_resident2", "demo_party", "demo_committee", "demo_staff")
    rows = await User.select(User.id, User.username).where(User.username.is_in(list(names)))
    return {r["username"]: await load_viewer(r["id"]) for r in rows}


def _form(title: str, kind: str, when, location: str) -> dict:
    local = when.astimezone(LOCAL)
    return {"kind": kind, "title": title, "location": location, "on_date": local.date().isoformat(),
            "at_time": local.strftime("%H:%M")}


async def _held(people: dict, community: int, grid: int) -> None:
    story = StoryClock(HELD_DAYS_AGO + 4)
    park = await topic_commands.propose_topic(
        people["demo_resident"], "小区北侧空地改建口袋公园",
        "北侧围墙边的空地长期堆放杂物，建议清理后改建成有座椅和绿化的口袋公园，方便老人和孩子休息。", "facilities", grid)
    music = await topic_commands.propose_topic(
        people["demo_resident2"], "楼下广场舞音响太响",
        "每天晚上广场舞音响开得很大，一直到九点多，影响老人休息和孩子写作业。", "neighbours", grid)
    story.at(HELD_DAYS_AGO)
    starts = (utcnow() - timedelta(days=HELD_DAYS_AGO)).replace(minute=30, second=0, microsecond=0)
    form = _form(HELD, "red_hall", starts, "幸福里社区党群服务中心二楼会议室")
    mid = await commands.schedule(people["demo_committee"], community, form, [park, music])
    present = [people[n].id for n in ("demo_resident", "demo_resident2", "demo_party", "demo_committee")]
    await commands.record(people["demo_staff"], mid, MINUTES, "14", present)
    staff = people["demo_staff"]
    await commands.decide(staff, mid, park, "open_discussion",
                          {"end_date": "", "hands_for": "15", "hands_against": "2", "hands_abstain": "1"})
    await commands.decide(staff, mid, music, "reject", {
        "reason": "经红色议事厅协商，由楼栋长与舞队商定结束时间和音量，不作为议题立项。"})
    await story.settle(park, music, end_days_ago=HELD_DAYS_AGO)
    async with db.transaction():  # the meeting's own rows on the story's days too
        at = story.map(utcnow())
        await Meeting.update({Meeting.created_at: at - timedelta(days=3), Meeting.updated_at: at}).where(
            Meeting.id == mid)
        await MeetingDecision.update({MeetingDecision.decided_at: at}).where(MeetingDecision.meeting == mid)


async def _upcoming(people: dict, community: int, path: str) -> None:
    choices = [r["id"] for r in await queries.agenda_choices(path) if r["state"] == TopicState.discussing.value]
    if not choices:
        return
    when = (utcnow() + timedelta(days=5)).astimezone(LOCAL).replace(hour=19, minute=0, second=0, microsecond=0)
    form = _form(UPCOMING, "council", when, "幸福里社区居委会议事室")
    await commands.schedule(people["demo_committee"], community, form, choices[:3])


async def load() -> str:
    places = await load_base_places()
    people = await _people()
    if len(people) < 5:
        raise RuntimeError("demo users missing; load the base demo first")
    community, grid = places["community"], places["grids"][0]
    path = (await queries.tree()).path_of(community)
    made = []
    if not await Meeting.exists().where(Meeting.title == HELD):
        await _held(people, community, grid)
        made.append(HELD)
    if not await Meeting.exists().where(Meeting.title == UPCOMING):
        await _upcoming(people, community, path)
        made.append(UPCOMING)
    return f"Demo meetings: {len(made)} created (one held with minutes and decisions, one upcoming)." if made else ""
