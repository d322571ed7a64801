"""One topic walked from proposal to completion through the real pages on a 360 px phone, each
step taken by the person whose job it is: a resident proposes; the committee screens it into
discussion from its queue; residents comment, reply, second and take a stance; a party member
comments and marks it as guidance; the committee closes the discussion and forms the project;
staff start implementation, post progress and open the evaluation; five grid residents and
representatives rate it, too few satisfied, and staff end the window (→ 二次办理); more progress,
a second evaluation, satisfied → completed. A screenshot is saved at every step, the state label
is checked on every step and the whole timeline at the end."""

from __future__ import annotations

import itertools
import re
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, sign_in
from tests.conftest import PASSWORD

TITLE = "三号楼门口增设非机动车棚"
DESCRIPTION = "三号楼门口的电动车常年乱停，挡住消防通道，下雨天也没有地方避雨。\n建议在绿化带旁边增设一个车棚。"


def fits_the_phone(page) -> None:
    """Nothing on the page is wider than the 360 px viewport."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width}px wide"


def submit(page, form_selector: str, button: str = "button[type=submit]") -> None:
    """Submit a boosted form and wait until the answer has replaced <main> (hx-boost swaps the body)."""
    page.evaluate("document.querySelector('main').dataset.stale = '1'")
    page.click(f"{form_selector} {button}")
    page.wait_for_function("() => !document.querySelector('main[data-stale]')")
    page.wait_for_load_state("networkidle")


def swap(page, form_selector: str, target: str) -> None:
    """Submit an htmx form whose answer replaces `target` (outerHTML) and wait for the new element."""
    page.evaluate(f"document.querySelector({target!r}).dataset.stale = '1'")
    page.click(f"{form_selector} button[type=submit]")
    page.wait_for_function(f"() => !document.querySelector({(target + '[data-stale]')!r})")
    page.wait_for_load_state("networkidle")


def state_label(page) -> str:
    return page.inner_text("article.topic > header .badge.state").strip()


def open_form(page, summary_text: str) -> None:
    """Open a <details> form by its summary."""
    page.locator("details > summary", has_text=summary_text).first.click()


def test_one_topic_from_proposal_to_completion(live_server, new_phone, make_user, request):
    seq = itertools.count(1)
    for old in ARTIFACTS.glob(f"{request.node.name}-*.png"):  # the set of shots always matches the last run
        old.unlink(missing_ok=True)

    def person(who: str, *roles: str, grid: int = 0) -> tuple[str, object]:
        """Make an account and a signed-in phone whose shots are numbered in walk order."""
        username = make_user(*roles, grid=grid)
        page = new_phone()

        def shot(name: str):
            path = ARTIFACTS / f"{request.node.name}-{next(seq):02d}-{who}-{name}.png"
            page.screenshot(path=str(path), full_page=True)
            return path

        page.shot = shot
        sign_in(page, live_server, username, PASSWORD)
        return username, page

    proposer, resident = person("resident", "resident")
    _, neighbour = person("neighbour", "resident")
    _, other_neighbour = person("neighbour2", "resident")
    _, party = person("party", "party_member")
    committee_name, committee = person("committee", "committee")
    staff_name, staff = person("staff", "staff")
    _, rep1 = person("rep1", "representative")
    _, rep2 = person("rep2", "representative", grid=1)  # representatives rate any grid's topic

    # ---- 1. a resident proposes from the list page
    resident.goto(live_server + "/topics")
    fits_the_phone(resident)
    resident.shot("list")
    resident.click("a.button[href='/topics/new']")
    resident.wait_for_url("**/topics/new")
    resident.fill("#f-title", TITLE)
    resident.fill("#f-description", DESCRIPTION)
    resident.select_option("#f-category", "parking")
    fits_the_phone(resident)
    resident.shot("propose-form")
    submit(resident, "form[action='/topics']")
    resident.wait_for_url(re.compile(r".*/topics/\d+$"))
    topic_id = int(resident.url.rsplit("/", 1)[1])
    topic_url = f"{live_server}/topics/{topic_id}"
    assert "48 小时内" in resident.inner_text("main .notice")  # the grid's screening clock (default 2 days)
    assert state_label(resident) == "已提出"
    fits_the_phone(resident)
    resident.shot("proposed")
    resident.goto(live_server + "/topics?mine=1")
    mine = resident.locator("li.topic-row", has_text=TITLE)
    assert "已提出" in mine.inner_text()
    fits_the_phone(resident)
    resident.shot("my-topics")

    # ---- 2. the committee screens it into discussion from its queue
    committee.click("nav.main a[href='/committee/screening']")
    committee.wait_for_url("**/committee/screening")
    assert TITLE in committee.inner_text("main")
    fits_the_phone(committee)
    committee.shot("screening-queue")
    committee.click(f"a[href='/topics/{topic_id}#actions']")
    committee.wait_for_url(f"**/topics/{topic_id}*")
    open_form(committee, "开启讨论")
    fits_the_phone(committee)
    committee.shot("open-discussion-form")
    submit(committee, f"form[action='/topics/{topic_id}/actions/open_discussion']")
    assert state_label(committee) == "讨论中"
    assert "讨论已开启" in committee.inner_text("main .notice")
    fits_the_phone(committee)
    committee.shot("discussing")

    # ---- 3. residents comment, reply, second and take a stance
    neighbour.goto(topic_url)
    assert state_label(neighbour) == "讨论中"
    neighbour.fill("#f-body", "支持！最好加上充电桩，避免楼道里充电。")
    swap(neighbour, "#discussion > form", "#discussion")
    assert "最好加上充电桩" in neighbour.inner_text("#discussion")
    swap(neighbour, f"form[action='/topics/{topic_id}/second']", "#engagement")
    assert "您已附议此议题" in neighbour.inner_text("#engagement")
    assert neighbour.locator(f"form[action='/topics/{topic_id}/second']").count() == 0  # once each
    neighbour.check("#engagement input[name=stance][value=support]")
    swap(neighbour, "#engagement form.stance", "#engagement")
    counts = neighbour.inner_text("#engagement .counts")
    assert "1 人附议" in counts and "支持 1" in counts, counts
    fits_the_phone(neighbour)
    neighbour.shot("commented-seconded")

    other_neighbour.goto(topic_url)
    first = other_neighbour.locator("#discussion article.comment").first
    first.locator("details > summary").click()
    first.locator("textarea[name=body]").fill("充电桩要注意防火，建议装在棚外。")
    other_neighbour.evaluate("document.querySelector('#discussion').dataset.stale = '1'")
    first.locator("button[type=submit]", has_text="发表回复").click()
    other_neighbour.wait_for_function("() => !document.querySelector('#discussion[data-stale]')")
    assert other_neighbour.locator("#discussion article.comment.reply").count() == 1
    swap(other_neighbour, f"form[action='/topics/{topic_id}/second']", "#engagement")
    other_neighbour.check("#engagement input[name=stance][value=neutral]")
    swap(other_neighbour, "#engagement form.stance", "#engagement")
    other_neighbour.check("#engagement input[name=stance][value=support]")  # changeable while discussing
    swap(other_neighbour, "#engagement form.stance", "#engagement")
    counts = other_neighbour.inner_text("#engagement .counts")
    assert "2 人附议" in counts and "支持 2" in counts and "中立 0" in counts, counts
    fits_the_phone(other_neighbour)
    other_neighbour.shot("replied-stance")

    # ---- 4. a party member comments under the badge and marks it as guidance
    party.goto(topic_url)
    party.fill("#f-body", "建议先征求一楼住户意见，车棚位置不要影响采光。")
    swap(party, "#discussion > form", "#discussion")
    mine_comment = party.locator("#discussion article.comment", has_text="征求一楼住户意见")
    assert mine_comment.locator(".badge.party").inner_text() == "党员"
    party.evaluate("document.querySelector('#discussion').dataset.stale = '1'")
    mine_comment.locator("button", has_text="标为引导意见").click()
    party.wait_for_function("() => !document.querySelector('#discussion[data-stale]')")
    guided = party.locator("#discussion article.comment.guidance", has_text="征求一楼住户意见")
    expect(guided.locator(".badge.guide")).to_be_visible()
    fits_the_phone(party)
    party.shot("guidance")

    # ---- 5. the committee closes the discussion and forms the project
    committee.goto(topic_url)
    assert committee.locator("#discussion .badge.guide").count() == 1
    open_form(committee, "形成项目")
    form = f"form[action='/topics/{topic_id}/actions/form_project']"
    deadline = committee.evaluate("new Date(Date.now() + 60*86400e3).toISOString().slice(0, 10)")
    committee.fill(f"{form} #f-consensus_summary", "多数居民支持建车棚，车棚外另设充电桩，位置避开一楼窗户。")
    committee.fill(f"{form} #f-title", "三号楼非机动车棚及充电桩")
    committee.fill(f"{form} #f-scope", "绿化带旁建 20 个车位的车棚，棚外 6 个充电桩。")
    committee.fill(f"{form} #f-estimated_cost", "48000")
    committee.fill(f"{form} #f-responsible_unit", "社区居委会")
    committee.fill(f"{form} #f-responsible_person", "王主任")
    committee.fill(f"{form} #f-deadline", deadline)
    committee.select_option(f"{form} #f-funding_route", "community")
    fits_the_phone(committee)
    committee.shot("form-project")
    submit(committee, form)
    assert state_label(committee) == "已形成项目"
    sheet = committee.inner_text("#project")
    assert "多数居民支持建车棚" in sheet and "社区居委会" in sheet and "48,000" in sheet.replace("，", ",")
    fits_the_phone(committee)
    committee.shot("project")

    # ---- 6. staff start implementation, post progress, open the evaluation
    staff.goto(topic_url)
    submit(staff, f"form[action='/topics/{topic_id}/actions/start_implementation']")
    assert state_label(staff) == "实施中"
    open_form(staff, "发布进展")
    staff.fill("#f-percent", "60")
    staff.fill("#f-note", "车棚钢架已完成。")
    submit(staff, f"form[action='/topics/{topic_id}/progress']")
    if not staff.locator("#f-percent").is_visible():
        open_form(staff, "发布进展")
    staff.fill("#f-percent", "100")
    staff.fill("#f-note", "车棚和充电桩完工，已通电。")
    submit(staff, f"form[action='/topics/{topic_id}/progress']")
    assert "100%" in staff.inner_text("#progress h2")
    fits_the_phone(staff)
    staff.shot("implementing")
    open_form(staff, "开启效果评估")
    submit(staff, f"form[action='/topics/{topic_id}/actions/open_evaluation']")
    assert state_label(staff) == "评估中"
    fits_the_phone(staff)
    staff.shot("evaluating")

    # ---- 7. five ratings, two unsatisfied: staff end the window → 二次办理
    def rate(page, value: str, comment: str = "", shot: str = "") -> None:
        page.goto(topic_url)
        assert state_label(page) == "评估中"
        page.check(f"#evaluation input[name=value][value={value}]")
        if comment:
            page.fill("#evaluation #f-comment", comment)
        if shot:
            fits_the_phone(page)
            page.shot(shot)
        submit(page, f"form[action='/topics/{topic_id}/ratings']")
        assert "感谢您的评价" in page.inner_text("main .notice")
        assert page.locator("#evaluation form").count() == 0
        fits_the_phone(page)

    raters = [resident, neighbour, other_neighbour, rep1, rep2]
    first_round = ["satisfied", "basically_satisfied", "unsatisfied", "satisfied", "unsatisfied"]
    for i, (page, value) in enumerate(zip(raters, first_round)):
        rate(page, value, "充电桩还没有挂安全标识。" if value == "unsatisfied" else "", "rating-form" if i == 2 else "")
    rep2.shot("rated")

    staff.goto(topic_url)
    assert "60.0%" in staff.inner_text("#evaluation table.ratings")
    fits_the_phone(staff)
    staff.shot("five-ratings")
    submit(staff, f"form[action='/topics/{topic_id}/evaluation/end']")
    assert state_label(staff) == "实施中"
    assert "二次办理" in staff.inner_text("article.topic > header")
    assert "项目转入二次办理" in staff.inner_text("main .notice")
    assert "%" not in staff.inner_text("#progress h2")  # nothing done yet in round 2
    fits_the_phone(staff)
    staff.shot("second-handling")

    # ---- 8. progress again, a second evaluation, satisfied → completed
    open_form(staff, "发布进展")
    staff.fill("#f-percent", "100")
    staff.fill("#f-note", "已补挂安全标识和灭火器。")
    submit(staff, f"form[action='/topics/{topic_id}/progress']")
    assert "100%" in staff.inner_text("#progress h2")
    open_form(staff, "开启效果评估")
    submit(staff, f"form[action='/topics/{topic_id}/actions/open_evaluation']")
    assert state_label(staff) == "评估中"
    fits_the_phone(staff)
    staff.shot("second-evaluation")
    for page, value in zip(raters, ["satisfied", "satisfied", "basically_satisfied", "satisfied", "satisfied"]):
        rate(page, value)
    staff.goto(topic_url)
    submit(staff, f"form[action='/topics/{topic_id}/evaluation/end']")
    assert state_label(staff) == "已办结"
    fits_the_phone(staff)
    staff.shot("completed")

    # ---- 9. a visitor reads the finished topic and its whole timeline
    visitor = new_phone()
    visitor.goto(topic_url)
    assert state_label(visitor) == "已办结"
    entries = visitor.locator("#timeline ol.timeline > li").all_inner_texts()
    expected = [
        ("提出议题", "已提出"),
        ("开启讨论", "讨论中"),
        ("形成项目", "已形成项目"),
        ("开始实施", "实施中"),
        ("开启效果评估", "评估中"),
        ("二次办理", "实施中"),
        ("开启效果评估", "评估中"),
        ("满意办结", "已办结"),
    ]
    assert len(entries) == len(expected), entries
    for text, (action, to_state) in zip(entries, expected):
        assert action in text and f"→ {to_state}" in text, text
    assert committee_name.upper() in entries[1] and staff_name.upper() in entries[3]
    assert proposer.upper() in entries[0]
    assert "满意 2，基本满意 1，不满意 2" in entries[5] and "第 2 轮" in entries[5]
    assert "满意 4，基本满意 1，不满意 0" in entries[7]
    assert "二次办理" in visitor.inner_text("article.topic > header")
    rounds = visitor.locator("#evaluation table.ratings tbody tr").all_inner_texts()
    assert len(rounds) == 2 and "60.0%" in rounds[0] and "100.0%" in rounds[1], rounds
    assert "讨论已结束" in visitor.inner_text("#discussion")
    expect(visitor.locator("#discussion .comment.guidance .badge.guide")).to_be_visible()
    fits_the_phone(visitor)
    path = ARTIFACTS / f"{request.node.name}-{next(seq):02d}-visitor-completed.png"
    visitor.screenshot(path=str(path), full_page=True)
    visitor.goto(f"{live_server}/topics")
    open_form(visitor, "筛选与排序")  # the filters fold away on a phone so the list shows first
    visitor.evaluate("document.querySelector('#results').dataset.stale = '1'")
    visitor.select_option("#f-state", "closed")  # htmx updates the list and the address
    visitor.wait_for_function("() => !document.querySelector('#results[data-stale]')")
    visitor.wait_for_url("**/topics?state=closed")
    assert TITLE in visitor.inner_text("#results")
    assert visitor.get_attribute("#results a[download]", "href") == "/topics.csv?state=closed"
    fits_the_phone(visitor)
    path = ARTIFACTS / f"{request.node.name}-{next(seq):02d}-visitor-list.png"
    visitor.screenshot(path=str(path), full_page=True)
