"""A meeting in Chromium at 360 px, without a sideways scroll: the committee schedules a
meeting with a topic on its agenda, staff record attendance and minutes and the decision
to open the discussion by a show of hands, and the topic's public timeline then says it
was decided at the meeting (zh-CN, then the same pages in English)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from consult.meetings.forms import LOCAL
from consult.topics.clock import utcnow
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.http.test_topics_helpers import Topics


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide"


def test_schedule_record_and_decide_at_a_meeting_on_a_phone(live_server, new_phone, make_user, community):
    topics = Topics(make_user, community)
    title = f"加装休闲座椅 {uuid.uuid4().hex[:4]}"
    tid, _author = topics.create("proposed", title=title)
    present = make_user("resident")
    committee = new_phone()
    sign_in(committee, live_server, topics.committee, PASSWORD)
    committee.goto(live_server + "/meetings")
    committee.click(f"a[href='/places/{community['community']}/meetings/new']")
    started = (utcnow() - timedelta(hours=2)).astimezone(LOCAL)
    committee.select_option("#f-kind", "red_hall")
    committee.fill("#f-title", "红色议事厅：休闲座椅")
    committee.fill("#f-location", "党群服务中心二楼")
    committee.fill("#f-on_date", started.date().isoformat())
    committee.fill("#f-at_time", started.strftime("%H:%M"))
    committee.check(f"input[name=topics][value='{tid}']")
    _no_sideways_scroll(committee)
    committee.shot("schedule")
    committee.click(f"form[action='/places/{community['community']}/meetings'] button[type=submit]")
    committee.wait_for_url(re.compile(r".*/meetings/\d+(#.*)?$"))
    meeting_url = committee.url.split("#")[0]
    assert "红色议事厅：休闲座椅" in committee.inner_text("h1")

    staff = new_phone()
    sign_in(staff, live_server, topics.staff, PASSWORD)
    staff.goto(meeting_url)
    staff.click("a[href$='/record']")
    staff.check(f"label:has-text('{present.upper()}') input")
    staff.fill("#f-head_count", "12")
    staff.fill("#f-minutes", "与会居民同意就增设座椅开展线上讨论。")
    _no_sideways_scroll(staff)
    staff.shot("record")
    staff.click("form[action$='/record'] button[type=submit]")
    staff.wait_for_url(re.compile(r".*/meetings/\d+(#.*)?$"))
    assert "共 13 人参加" in staff.inner_text("#attendance")
    staff.click(f"#topic-{tid} details summary >> nth=0")  # the first decision: open the discussion
    prefix = f"#t{tid}-open_discussion-f-"
    staff.fill(prefix + "hands_for", "11")
    staff.fill(prefix + "hands_against", "1")
    staff.fill(prefix + "hands_abstain", "1")
    _no_sideways_scroll(staff)
    staff.shot("decide")
    staff.click(f"form[action$='/decisions/{tid}/open_discussion'] button[type=submit]")
    staff.wait_for_load_state("networkidle")
    assert "赞成 11 人，反对 1 人，弃权 1 人" in staff.inner_text(f"#topic-{tid}")

    visitor = new_phone()
    visitor.goto(f"{live_server}/topics/{tid}")
    timeline = visitor.inner_text("#timeline")
    assert "会议决定" in timeline and "赞成 11 人" in timeline
    assert "红色议事厅：休闲座椅" in visitor.inner_text("#meetings")
    _no_sideways_scroll(visitor)
    visitor.shot("topic-timeline")
    visitor.goto(meeting_url)
    assert present.upper() not in visitor.content()  # who came is private
    _no_sideways_scroll(visitor)
    visitor.shot("meeting-public")
    visitor.context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    for path in (meeting_url, f"{live_server}/topics/{tid}", f"{live_server}/meetings"):
        visitor.goto(path)
        _no_sideways_scroll(visitor)
        visitor.shot("en")
    assert "Decided at the meeting of" in visitor.goto(f"{live_server}/topics/{tid}").text()
