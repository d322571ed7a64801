"""The annual vote in a browser on a 360 px phone: staff set up and open a vote through the pages,
three representatives cast (each noting the receipt), staff close and publish, and a visitor reads
the result and finds a receipt with the "check my receipt" box."""

import re

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

RECEIPT_RE = re.compile(r"^[0-9a-f]{4}(-[0-9a-f]{4}){4}$")
PROJECTS = [("社区食堂改造", "300000"), ("老旧小区加装电梯", "500000"), ("口袋公园", "200000")]


def fits_the_phone(page) -> None:
    """Nothing on the page is wider than the 360 px viewport (tables scroll inside their own box)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def submit(page, form_selector: str) -> None:
    """Submit a form and wait until the answer has replaced the page's <main> (hx-boost swaps the body,
    so there is no navigation to wait for)."""
    page.evaluate("document.querySelector('main').dataset.stale = '1'")
    page.click(f"{form_selector} button[type=submit]")
    page.wait_for_function("() => !document.querySelector('main[data-stale]')")
    page.wait_for_load_state("networkidle")


def test_staff_run_a_vote_representatives_cast_and_a_visitor_checks_a_receipt(live_server, phone, new_phone,
                                                                              make_user):
    staff_name = make_user("staff")
    reps = [make_user("representative") for _ in range(3)]

    # ---- staff: create the vote, add candidates directly, build the roll, open
    page = phone
    sign_in(page, live_server, staff_name, PASSWORD)
    page.click("nav.main a[href='/staff/votes']")  # the staff-only link in the main menu
    page.wait_for_url("**/staff/votes")
    assert "管理票决" in page.inner_text("h1")
    fits_the_phone(page)
    page.shot("staff-votes")

    page.fill("form[action='/staff/votes'] [name=title]", "2026 年度民生实事项目票决")
    page.fill("form[action='/staff/votes'] [name=year]", "2026")
    page.fill("form[action='/staff/votes'] [name=seats]", "2")
    page.fill("form[action='/staff/votes'] [name=budget]", "900000")
    submit(page, "form[action='/staff/votes']")
    page.wait_for_url(re.compile(r".*/staff/votes/\d+$"))
    vote_id = int(page.url.rsplit("/", 1)[1])
    assert "草稿" in page.inner_text("h1")

    add = f"form[action='/staff/votes/{vote_id}/candidates']"
    for title, cost in PROJECTS:
        page.fill(f"{add} [name=title]", title)
        page.fill(f"{add} [name=description]", f"{title}：说明")
        page.fill(f"{add} [name=cost]", cost)
        submit(page, add)
    assert page.locator("#candidates ul.rows > li").count() == 3
    fits_the_phone(page)
    page.shot("candidates")

    roll = f"form[action='/staff/votes/{vote_id}/roll']"
    for rep in reps:
        page.select_option(f"{roll} select[name=user_id]", label=f"{rep.upper()} ({rep})")
        page.fill(f"{roll} [name=weight]", "1")
        submit(page, roll)
    assert page.locator("#roll tbody tr").count() == 3
    page.shot("roll")

    submit(page, f"form[action='/staff/votes/{vote_id}/open']")
    assert "投票已开启" in page.inner_text("body")
    fits_the_phone(page)
    page.shot("opened")

    # ---- three representatives cast through the ballot pages
    plans = [(0, 1), (0, 2), (0,)]  # indexes of the projects each approves
    receipts = []
    for rep, plan in zip(reps, plans):
        rp = new_phone()
        sign_in(rp, live_server, rep, PASSWORD)
        rp.goto(live_server + "/votes")
        rp.click(f"a[href='/votes/{vote_id}/ballot']")
        rp.wait_for_url(f"**/votes/{vote_id}/ballot")
        names = rp.eval_on_selector_all("input[type=radio][value=approve]", "els => els.map(e => e.name)")
        assert len(names) == 3
        for i in plan:
            rp.check(f"input[name='{names[i]}'][value=approve]")
        if 1 not in plan:
            rp.check(f"input[name='{names[1]}'][value=oppose]")
        # the live counter (htmx) follows the marks
        rp.wait_for_function(
            "n => document.querySelector('#counter').textContent.includes(n)", arg=f"{len(plan)}")
        fits_the_phone(rp)
        rp.shot("ballot")
        rp.click(f"form[action='/votes/{vote_id}/ballot/review'] button[type=submit]:not(.secondary)")
        rp.wait_for_url(f"**/votes/{vote_id}/ballot/review")
        assert "选票一经投出即为最终结果" in rp.inner_text("body")
        fits_the_phone(rp)
        rp.shot("review")
        rp.click(f"form[action='/votes/{vote_id}/ballot'] button[type=submit]")
        rp.wait_for_selector("#receipt")
        code = rp.inner_text("#receipt").strip()
        assert RECEIPT_RE.match(code), code
        receipts.append(code)
        fits_the_phone(rp)
        rp.shot("receipt")
    assert len(set(receipts)) == 3

    # ---- staff close and publish
    page.goto(f"{live_server}/staff/votes/{vote_id}")
    assert "3" in page.inner_text("#steps")
    for step in ("close", "publish"):  # each step asks first: a confirmation page, then "Yes, ..."
        page.click(f"a[href='/staff/votes/{vote_id}/{step}/confirm']")
        form = f"form[action='/staff/votes/{vote_id}/{step}']"
        page.wait_for_selector(f"{form} button[type=submit]")
        assert page.locator(f"{form} input[name=confirm]").get_attribute("value") == "yes"
        fits_the_phone(page)
        page.shot(f"confirm-{step}")
        submit(page, form)
    page.wait_for_url(f"**/votes/{vote_id}")
    assert "结果已发布" in page.inner_text("body")
    page.shot("published")

    # ---- a visitor reads the result and checks a receipt
    visitor = new_phone()
    visitor.goto(f"{live_server}/votes/{vote_id}")
    result = visitor.inner_text("#result")
    assert "社区食堂改造" in result and "当选" in result
    assert visitor.locator("#result svg").count() == 1
    fits_the_phone(visitor)
    visitor.shot("result")
    visitor.fill("#f-code", receipts[1].upper().replace("-", " "))
    visitor.click("#board form button[type=submit]")
    visitor.wait_for_selector("#receipt-check .notice")
    assert receipts[1] in visitor.inner_text("#receipt-check")
    assert "error" not in (visitor.get_attribute("#receipt-check .notice", "class") or "")
    fits_the_phone(visitor)
    visitor.shot("receipt-found")
    visitor.fill("#f-code", "0000-0000-0000-0000-0000")
    visitor.click("#board form button[type=submit]")
    visitor.wait_for_selector("#receipt-check .notice.error")
    visitor.shot("receipt-not-found")


def test_equal_shares_result_explains_each_project_on_a_phone(live_server, phone, make_user):
    """Set up through the services (the pages are covered above); read the explanation in both languages."""
    from consult.accounts.domain import Viewer
    from consult.voting import commands as services  # commands, and the candidates_of they read with
    from tests.conftest import run, user_id

    from consult.accounts.services import load_viewer

    staff = run(load_viewer(user_id(make_user("staff"))))  # staff of the community, where the vote is
    reps = [make_user("representative") for _ in range(3)]
    vote_id = run(services.create_vote(staff, {
        "title": "2026 年度民生实事项目（均等份额）", "year": "2026", "seats": "2", "budget": "600000",
        "basis": "enrolled", "threshold": "1/2", "secrecy": "secret", "public_weight": "0",
        "rule": "equal_shares", "completion": "add_one"}))
    for title, cost in [("社区食堂改造", "300000"), ("老旧小区加装电梯", "500000"), ("口袋公园", "200000"),
                        ("楼道照明", "50000")]:
        run(services.add_candidate(staff, vote_id, {"title": title, "cost": cost, "support": "0"}))
    for rep in reps:
        run(services.set_roll_entry(staff, vote_id, user_id(rep), "1"))
    run(services.open_vote(staff, vote_id))
    ids = [str(c["id"]) for c in run(services.candidates_of(vote_id))]
    plans = [(0, 1), (0, 2), (1,)]
    for rep, plan in zip(reps, plans):
        voter = Viewer(id=user_id(rep), granted=frozenset({"representative"}))
        run(services.cast_ballot(voter, vote_id, {ids[i]: "approve" for i in plan}))
    run(services.close_vote(staff, vote_id))
    run(services.publish_vote(staff, vote_id))

    page = phone
    page.goto(f"{live_server}/votes/{vote_id}")
    why = page.inner_text("#why")
    assert "各项目入选或未入选的原因" in why and "ρ = " in why and "未入选：没有代表赞成该项目。" in why
    fits_the_phone(page)
    page.shot("equal-shares-zh")
    page.click("text=English")
    page.wait_for_load_state("networkidle")
    assert "Why each project was or was not bought" in page.inner_text("#why")
    fits_the_phone(page)
    page.shot("equal-shares-en")
