"""The paper ballot desk on a 360 px phone, without a line of it needing JavaScript: staff sign
three representatives in (each after a confirmation page), open the box, enter a paper ballot;
a colleague on another staff account enters it again and it counts. Screenshots in zh-CN and en."""

import re

from tests.browser.conftest import sign_in
from tests.browser.test_voting_browser import fits_the_phone, submit
from tests.conftest import PASSWORD, run, user_id


def _open_vote(staff_name: str, reps: list[str]) -> tuple[int, list[int]]:
    from consult.accounts.services import load_viewer
    import consult.voting.commands as commands
    import consult.voting.queries as queries

    staff = run(load_viewer(user_id(staff_name)))
    vote_id = run(commands.create_vote(staff, {"title": "议事会现场票决", "year": "2026", "seats": "1", "budget": "",
                                               "basis": "enrolled", "threshold": "1/2", "secrecy": "secret",
                                               "public_weight": "0", "rule": "majority"}))
    for title in ("无障碍坡道", "健身步道"):
        run(commands.add_candidate(staff, vote_id, {"title": title, "description": "", "cost": "1000", "support": "0"}))
    run(commands.import_roll_csv(staff, vote_id, "\n".join(f"{r},1" for r in reps)))
    run(commands.open_vote(staff, vote_id))
    return vote_id, [c["id"] for c in run(queries.candidates_of(vote_id))]


def test_staff_run_the_paper_desk_on_a_phone(live_server, phone, new_phone, make_user):
    staff_name, clerk_name = make_user("staff"), make_user("staff")
    reps = [make_user("representative") for _ in range(3)]
    vote_id, ids = _open_vote(staff_name, reps)
    desk = f"{live_server}/staff/votes/{vote_id}/desk"

    page = phone
    sign_in(page, live_server, staff_name, PASSWORD)
    page.goto(f"{live_server}/staff/votes/{vote_id}")
    page.click(f"a[href='/staff/votes/{vote_id}/desk']")
    page.wait_for_url(re.compile(r".*/desk$"))
    assert "纸质票签到处" in page.inner_text("h1")
    fits_the_phone(page)
    page.shot("desk-zh")

    for rep in reps:
        page.select_option("#f-user_id", str(user_id(rep)))
        submit(page, f"form[action='/staff/votes/{vote_id}/desk/sign-in']")
        assert "确认为" in page.inner_text("h1")  # the confirmation page
        fits_the_phone(page)
        submit(page, f"form[action='/staff/votes/{vote_id}/desk/sign-in']")
        assert rep.upper() in page.inner_text("#sign-in")
    page.shot("signed-in")

    page.click(f"a[href='/staff/votes/{vote_id}/desk/box']")
    page.wait_for_url(re.compile(r".*/desk/box$"))
    assert "确认开箱" in page.inner_text("h1")
    submit(page, f"form[action='/staff/votes/{vote_id}/desk/box']")

    entry = f"form[action='/staff/votes/{vote_id}/desk/entries']"
    page.fill(f"{entry} [name=serial]", "21")
    page.select_option(f"{entry} [name=weight]", "1")
    page.check(f"{entry} input[name=c_{ids[0]}][value=approve]")
    submit(page, entry)
    assert "等待第二次录入" in page.inner_text("#paper")
    fits_the_phone(page)
    page.shot("entered-once")

    clerk = new_phone()
    sign_in(clerk, live_server, clerk_name, PASSWORD)
    clerk.context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    clerk.goto(desk)
    clerk.fill(f"{entry} [name=serial]", "21")
    clerk.select_option(f"{entry} [name=weight]", "1")
    clerk.check(f"{entry} input[name=c_{ids[0]}][value=approve]")
    submit(clerk, entry)
    assert "two entries agree: counted" in clerk.inner_text("#paper")
    assert "Paper ballots counted: 1" in clerk.inner_text("#turnout")
    fits_the_phone(clerk)
    clerk.shot("desk-en-counted")
