"""Issue 14 defect 7: the words people read. The absorbing topic of a merge is not said to be
merged away; Chinese text has full-width colons; the results CSV and the audit log speak the
reader's language; English counts agree with their number; a topic rejected or referred
without a discussion does not say the discussion ended; a hidden comment says by which role."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from consult.topics.lifecycle import Action
from tests.conftest import run, text_of
from tests.http.test_topics_helpers import Topics, english, viewer

ROOT = Path(__file__).resolve().parents[2]


def page(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.status_code
    return text_of(r.text)


def test_the_topic_that_took_in_a_merge_is_not_said_to_be_merged_away(client, make_user, community):
    from consult.topics import commands

    topics = Topics(make_user, community)
    target, _ = topics.create()
    source, _ = topics.create()
    run(commands.screen_topic(viewer(topics.committee), source, Action.merge, {"target_id": str(target)}))
    absorbing = page(client, f"/topics/{target}")
    assert "并入其他议题" not in absorbing
    assert "接收并入的议题" in absorbing and f"并入本议题的议题： #{source}" in absorbing
    assert f"已并入议题 #{target}" in page(client, f"/topics/{source}")
    assert f"Topic merged into this one: #{source}" in page(english(client), f"/topics/{target}")


def test_no_chinese_text_is_followed_by_an_ascii_colon():
    po = (ROOT / "consult/locale/zh_CN/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    msgstrs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', po, re.M)
    assert [s for s in msgstrs if re.search(r"[\u4e00-\u9fff）」”》]\s*:", s)] == []
    # a translated label followed by a colon outside the translation ("当选:")
    glued = [(p.name, m) for p in (ROOT / "templates").rglob("*.html")
             for m in re.findall(r'_\("[^"]*"\)\s*}}(?:</\w+>)?:', p.read_text(encoding="utf-8"))]
    assert glued == []


def test_the_account_page_says_roles_with_a_full_width_colon(client, make_user):
    client.login(make_user("resident"))
    text = page(client, "/account")
    assert "角色：" in text and "角色:" not in text


def test_english_counts_agree_with_their_number(client, make_user, community):
    from consult.topics import discussion

    topics = Topics(make_user, community)
    tid, _ = topics.create("discussing")
    seconder = make_user("resident")
    run(discussion.second_topic(viewer(seconder), tid))
    run(discussion.add_comment(viewer(seconder), tid, "A first comment on this."))
    text = page(english(client), f"/topics/{tid}")
    assert "1 second" in text and "1 seconds" not in text
    assert "1 comment" in text and "1 comments" not in text
    listing = page(client, "/topics")
    assert "1 seconds" not in listing and "1 comments" not in listing


def test_a_topic_closed_without_a_discussion_does_not_say_the_discussion_ended(client, make_user, community):
    from consult.topics import commands

    topics = Topics(make_user, community)
    rejected, _ = topics.create("rejected")
    referred, _ = topics.create()
    run(commands.screen_topic(viewer(topics.committee), referred, Action.refer,
                              {"department": "Housing office", "reference_number": "A-1"}))
    rejected_later, _ = topics.create("discussing")
    run(commands.screen_topic(viewer(topics.committee), rejected_later, Action.reject, {"reason": "Out of scope here."}))
    assert "讨论已结束" not in page(client, f"/topics/{rejected}")
    assert "未被受理，因此没有开启讨论" in page(client, f"/topics/{rejected}")
    assert "讨论已结束" not in page(client, f"/topics/{referred}")
    assert "转交主管部门" in page(client, f"/topics/{referred}")
    assert "讨论已结束" in page(client, f"/topics/{rejected_later}")  # that one had a discussion


def test_a_hidden_comment_says_which_role_hid_it_without_naming_anyone(client, make_user, community):
    from consult.topics import discussion

    topics = Topics(make_user, community)
    tid, _ = topics.create("discussing")
    author = make_user("resident")
    by_committee = run(discussion.add_comment(viewer(author), tid, "First comment, to be hidden."))
    by_admin = run(discussion.add_comment(viewer(author), tid, "Second comment, to be hidden."))
    run(discussion.hide_comment(viewer(topics.committee), tid, by_committee, "Personal data."))
    admin = make_user("admin")
    run(discussion.hide_comment(viewer(admin), tid, by_admin, "Advertising here."))
    text = page(client, f"/topics/{tid}")
    assert "已被议事会成员隐藏：Personal data." in text
    assert "已被管理员隐藏：Advertising here." in text
    assert viewer(topics.committee).display_name not in text.split("讨论")[-1].split("时间线")[0]


def test_the_results_csv_speaks_the_readers_language(make_user, new_client):
    from tests.http.test_voting import open_vote, cast, signed_in

    staff = new_client()
    staff.login(make_user("staff"))
    vote_id, reps, ids = open_vote(staff, make_user, seats="1")
    for rep in reps:
        cast(signed_in(new_client, rep), vote_id, {ids[0]: "approve", ids[1]: "oppose"})
    assert staff.post(f"/staff/votes/{vote_id}/close", data={"confirm": "yes"}).status_code == 303
    assert staff.post(f"/staff/votes/{vote_id}/publish", data={"confirm": "yes"}).status_code == 303
    zh = list(csv.reader(io.StringIO(new_client().get(f"/votes/{vote_id}/results.csv").text.lstrip("\ufeff"))))
    assert zh[0][:3] == ["编号", "标题", "费用（元）"] and zh[0][-2:] == ["是否通过", "结果"]
    assert zh[1][-2:] == ["是", "当选"] and zh[2][-2:] == ["否", "未通过"]
    en = list(csv.reader(io.StringIO(english(new_client()).get(f"/votes/{vote_id}/results.csv").text.lstrip("\ufeff"))))
    assert en[0][-2:] == ["Passed", "Outcome"] and en[1][-2:] == ["yes", "Elected"]
    assert not {"true", "false", "over_budget", "elected", "failed"} & {cell for row in zh + en for cell in row}


def test_the_audit_log_names_each_action_and_reads_its_detail(client, make_user, community):
    from consult.topics import commands

    topics = Topics(make_user, community)
    tid, _ = topics.create()
    run(commands.screen_topic(viewer(topics.committee), tid, Action.reject, {"reason": "Out of scope here."}))
    client.login(make_user("admin"))
    r = client.get("/admin/audit")
    assert r.status_code == 200
    text = text_of(r.text)
    assert "不予立项" in text and "创建账号" in text  # topic.reject, account.created
    assert "from_state: proposed note: Out of scope here. round: 1 to_state: rejected" in text
    assert '{"' not in text and "&#34;" not in r.text.split("<main")[-1]  # no raw JSON
