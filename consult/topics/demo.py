"""Demo topics: one or more in every state of the loop, written through the commands
(so each has its real timeline and audit entries), with discussions, a party member's
guidance comment, progress, an overdue project and one project that went through
二次办理 before it was closed.

Idempotent: a topic whose title already exists is left alone. Dates that the rules
require to be in the future are chosen relative to a ``today`` passed to the service,
so past deadlines (overdue) and ended evaluation windows can be shown.
"""

from __future__ import annotations

from datetime import timedelta

from consult.accounts.services import load_viewer
from consult.accounts.tables import User
from consult.accounts.demo import load_base_places
import consult.topics.clock as clock
import consult.topics.commands as commands
import consult.topics.authoring as authoring
import consult.topics.discussion as discussion
import consult.topics.projects as projects
from consult.topics.demo_clock import StoryClock
from consult.topics.lifecycle import Action
from consult.topics.tables import Topic

USERS = (
    "demo_resident", "demo_resident2", "demo_resident3", "demo_party", "demo_committee",
    "demo_rep", "demo_rep2", "demo_rep3", "demo_staff",
)


async def _viewers() -> dict:
    rows = await User.select(User.id, User.username).where(User.username.is_in(list(USERS)))
    ids = {r["username"]: r["id"] for r in rows}
    missing = [u for u in USERS if u not in ids]
    if missing:
        raise RuntimeError(f"demo users missing: {missing}; load the base demo first")
    return {name: await load_viewer(uid) for name, uid in ids.items()}


async def _exists(title: str) -> bool:
    return await Topic.exists().where(Topic.title == title)


class _Demo:
    """The demo's people, grids and clock, and how many topics it created."""

    def __init__(self, people: tuple, grid0: int, grid1: int) -> None:
        self.people, self.grid0, self.grid1 = people, grid0, grid1
        self.today = clock.local_today()
        self.created = 0

    def ago(self, days: int):
        return self.today - timedelta(days=days)

    async def propose(self, who, title, description, category, grid=None) -> int | None:
        if await _exists(title):
            return None
        self.created += 1
        return await commands.propose_topic(who, title, description, category, grid or self.grid0)


async def _proposed(d: _Demo) -> None:
    _, res2, res3, *_ = d.people
    propose, grid1 = d.propose, d.grid1
    # 1. proposed, fresh
    await propose(res3, "小区东门增设电动自行车充电桩",
                  "东门附近电动自行车很多，楼道充电有火灾隐患，建议在东门车棚增设集中充电桩。",
                  "safety", grid1)

    # 2. proposed three days ago and not screened: the 2-day response flag
    story = StoryClock(3)
    tid = await propose(res2, "3号楼楼道灯长期不亮",
                        "3号楼2单元楼道灯坏了一个多月，老人晚上上下楼很不方便，希望尽快维修。", "facilities")
    await story.settle(tid, end_days_ago=3)

    # 2b. corrected by its author, then withdrawn before screening (the problem went away)
    edited = await _exists("6号楼旁垃圾桶太少")  # its title after the edit: loaded already
    tid = None if edited else await propose(res3, "垃圾桶太少", "小区里垃圾桶太少，经常满出来。", "sanitation", grid1)
    if tid:
        await authoring.edit_topic(res3, tid, {
            "title": "6号楼旁垃圾桶太少", "description": "6号楼旁只有两个垃圾桶，晚饭后经常满出来，希望增加。",
            "category": "sanitation", "grid_id": str(grid1)})
        await authoring.withdraw_topic(res3, tid)


async def _discussing(d: _Demo) -> None:
    res, res2, _, party, com, *_ = d.people
    propose = d.propose
    # 3. under discussion: seconds, stances, comments, a reply, guidance, a pin and a hidden comment
    story = StoryClock(9)
    tid = await propose(res, "老旧小区加装电梯意见征集",
                        "5号楼、6号楼住户老人多，上下楼困难。想了解大家对加装电梯的意见，特别是低层住户的顾虑和费用分摊方式。",
                        "elevator")
    if tid:
        story.at(8)
        for who in (res2, party, com):
            await discussion.second_topic(who, tid)
        story.at(7)
        await commands.screen_topic(com, tid, Action.open_discussion, {"end_date": ""})
        story.at(6)
        await discussion.set_stance(res, tid, "support")
        await discussion.set_stance(res2, tid, "oppose")
        await discussion.set_stance(party, tid, "support")
        c1 = await discussion.add_comment(res2, tid, "我住一楼，担心电梯井挡住采光，还要分摊费用，希望能给低层住户一些补偿。")
        g = await discussion.add_comment(party, tid, "建议先请设计单位出两套方案，把采光影响和分摊比例公示出来，高层多出、低层少出，大家再投票决定。")
        await discussion.mark_guidance(party, tid, g)
        await discussion.pin_comment(com, tid, g)
        await discussion.add_comment(res, tid, "同意，分摊可以参考隔壁小区的做法。", parent_id=g)
        await discussion.add_comment(party, tid, "低层住户的顾虑很合理，补偿办法可以写进方案里。", parent_id=c1)
        bad = await discussion.add_comment(res, tid, "加微信xxxx，代办电梯补贴，包过！")
        await discussion.flag_comment(res2, tid, bad)
        await discussion.hide_comment(com, tid, bad, "广告内容，与议题无关")
        await story.settle(tid, end_days_ago=1)


async def _screened_out(d: _Demo) -> None:
    _, res2, res3, _, com, *_ = d.people
    propose, grid1 = d.propose, d.grid1
    # 4. rejected
    story = StoryClock(6)
    tid = await propose(res2, "要求物业免收一年物业费",
                        "物业服务不到位，要求物业公司免收全体业主一年物业费作为补偿。", "property")
    if tid:
        story.at(4)
        await commands.screen_topic(com, tid, Action.reject,
                               {"reason": "物业费减免属于业主大会与物业公司合同事项，不属于居民议事范围；已转告业委会，建议通过业主大会提出。"})
        await story.settle(tid, end_days_ago=4)

    # 5. referred (a simple service request goes straight to 接诉即办)
    story = StoryClock(5)
    tid = await propose(res3, "小区门口下水道井盖破损", "西门外人行道上的井盖破了一个角，晚上容易绊倒人。",
                        "safety", grid1)
    if tid:
        story.at(4.5)
        await commands.screen_topic(com, tid, Action.refer, {"department": "街道城市管理办公室",
                                                         "reference_number": "12345-2026-0381"})
        await story.settle(tid, end_days_ago=4.5)


async def _parking_project(d: _Demo) -> None:
    res, res2, res3, party, com, *_ = d.people
    today, propose, grid1 = d.today, d.propose, d.grid1
    # 6. a project on the annual-vote route, and 7. a merged topic that joined it
    story = StoryClock(40)
    tid = await propose(res, "小区停车位改造与错时共享",
                        "小区车位严重不足，晚上乱停占用消防通道。建议改造绿化边角增加车位，并与周边单位错时共享停车场。",
                        "parking")
    if tid:
        story.at(38)
        dup = await propose(res3, "晚上停车太难了", "每天晚上回来都找不到车位，只能停在消防通道上，希望想想办法。",
                            "parking", grid1)
        await discussion.second_topic(res2, tid)
        await discussion.second_topic(party, tid)
        story.at(35)
        await commands.screen_topic(com, tid, Action.open_discussion, {"end_date": ""})
        story.at(33)
        if dup:
            await discussion.second_topic(res2, dup)
            await commands.screen_topic(com, dup, Action.merge, {"target_id": str(tid)})
        await discussion.set_stance(res2, tid, "support")
        await discussion.add_comment(res2, tid, "错时共享很好，旁边写字楼晚上车位是空的。")
        story.at(20)
        await commands.form_project(com, tid, {
            "consensus_summary": "多数居民支持改造边角绿地增加车位，并与周边写字楼签订错时共享协议；费用较大，申报年度民生实事项目票决。",
            "title": "停车位改造与错时共享", "scope": "改造小区北侧边角绿地新增车位40个，划线、安装道闸，签订错时共享协议。",
            "estimated_cost": "680000", "responsible_unit": "社区居委会", "responsible_person": "陈书记",
            "deadline": (today + timedelta(days=240)).isoformat(), "funding_route": "annual_vote",
        })
        await story.settle(tid, dup, end_days_ago=20)


async def _vote_and_community_projects(d: _Demo) -> None:
    res, res2, _, party, com, _, _, _, staff = d.people
    today, propose = d.today, d.propose
    # 8. a second annual-vote candidate (so a vote has more candidates than seats)
    story = StoryClock(50)
    tid = await propose(party, "社区老年助餐点建设",
                        "社区老人多，子女上班中午没人做饭，建议在活动中心开设老年助餐点。", "care")
    if tid:
        story.at(48)
        for who in (res, res2, com):
            await discussion.second_topic(who, tid)
        story.at(46)
        await commands.screen_topic(com, tid, Action.open_discussion, {"end_date": ""})
        for who in (res, res2):
            await discussion.set_stance(who, tid, "support")
        story.at(25)
        await commands.form_project(com, tid, {
            "consensus_summary": "居民普遍支持，建议与养老服务中心合作运营，纳入年度民生实事候选。",
            "title": "老年助餐点", "scope": "在社区活动中心一层改造厨房和餐厅，提供午餐助餐服务。",
            "estimated_cost": "450000", "responsible_unit": "社区养老服务中心", "responsible_person": "赵主任",
            "deadline": (today + timedelta(days=300)).isoformat(), "funding_route": "annual_vote",
        })
        await story.settle(tid, end_days_ago=25)

    # 9. a community-route project waiting for staff to start it
    story = StoryClock(30)
    tid = await propose(res2, "儿童游乐区地面铺设防摔垫", "游乐区是水泥地，孩子摔倒容易受伤，建议铺设塑胶防摔地垫。",
                        "facilities")
    if tid:
        story.at(28)
        await commands.screen_topic(com, tid, Action.open_discussion, {"end_date": ""})
        await discussion.set_stance(res, tid, "support")
        story.at(12)
        await commands.form_project(com, tid, {
            "consensus_summary": "费用不大，由社区公益金解决，委员会决定实施。", "title": "游乐区防摔地垫",
            "scope": "游乐区约120平方米铺设EPDM塑胶地垫。", "estimated_cost": "36000",
            "responsible_unit": "社区居委会", "responsible_person": "陈书记",
            "deadline": (today + timedelta(days=60)).isoformat(), "funding_route": "community",
        })
        await story.settle(tid, end_days_ago=12)


async def _overdue_and_not_elected(d: _Demo) -> None:
    res, _, res3, _, com, rep, _, _, staff = d.people
    today, ago, propose, grid1 = d.today, d.ago, d.propose, d.grid1
    # 10. implementing, past its deadline: overdue (督办), with progress and a supervision note
    story = StoryClock(100)
    tid = await propose(res, "小区健身器材更新", "健身区器材老化生锈，有的已经松动，存在安全隐患，建议更换。", "facilities")
    if tid:
        story.at(96)
        await commands.screen_topic(com, tid, Action.open_discussion, {"end_date": ""})
        story.at(90)
        await commands.form_project(com, tid, {
            "consensus_summary": "拆除松动器材，更换一批适合老人的健身器材。", "title": "健身器材更新",
            "scope": "拆除旧器材8件，新装10件，地面修补。", "estimated_cost": "52000",
            "responsible_unit": "街道体育办", "responsible_person": "周工",
            "deadline": ago(10).isoformat(), "funding_route": "community",
        }, today=ago(90))
        story.at(85)
        await commands.start_implementation(staff, tid)
        story.at(40)
        await projects.post_progress(staff, tid, {"percent": "30", "note": "旧器材已拆除，新器材采购中。",
                                             "date": ago(40).isoformat()})
        story.at(5)
        await projects.post_progress(staff, tid, {"percent": "60", "note": "新器材到货，安装队排期中。",
                                             "date": ago(5).isoformat()})
        story.at(3)
        await projects.add_supervision_note(rep, tid, "已超过完成时限，请责任单位说明原因并公布新的安装时间。")
        await story.settle(tid, end_days_ago=3)

    # 11. not elected in last year's vote
    story = StoryClock(400)
    tid = await propose(res3, "社区图书角扩建", "现在的图书角太小，希望扩建成能坐下自习的阅览室。", "facilities", grid1)
    if tid:
        story.at(395)
        await commands.screen_topic(com, tid, Action.open_discussion, {"end_date": ""})
        story.at(380)
        await commands.form_project(com, tid, {
            "consensus_summary": "扩建需要占用活动室，意见分歧较大，申报票决由代表决定。", "title": "图书角扩建",
            "scope": "将二楼活动室改造为阅览室。", "estimated_cost": "300000",
            "responsible_unit": "社区居委会", "responsible_person": "陈书记",
            "deadline": (today + timedelta(days=200)).isoformat(), "funding_route": "annual_vote",
        })
        story.at(340)
        await commands.apply_vote_outcome([], [tid], 0, None)
        await story.settle(tid, end_days_ago=340)


async def _second_handling(d: _Demo) -> None:
    res, res2, _, party, com, rep, rep2, _, staff = d.people
    ago, propose = d.ago, d.propose
    # 12. closed after second handling (二次办理): round 1 unsatisfied, round 2 satisfied
    story = StoryClock(130)
    tid = await propose(res, "垃圾分类投放点改造", "投放点没有顶棚，下雨天污水横流，气味很大，建议改造。", "sanitation")
    if tid:
        story.at(128)
        for who in (res2, party):
            await discussion.second_topic(who, tid)
        story.at(125)
        await commands.screen_topic(com, tid, Action.open_discussion, {"end_date": ""})
        story.at(120)
        await commands.form_project(com, tid, {
            "consensus_summary": "改造投放点，加顶棚和洗手池，定时开放。", "title": "垃圾分类投放点改造",
            "scope": "改造2处投放点：加装顶棚、洗手池、除臭设备。", "estimated_cost": "80000",
            "responsible_unit": "物业服务中心", "responsible_person": "吴经理",
            "deadline": ago(5).isoformat(), "funding_route": "community",
        }, today=ago(120))
        story.at(118)
        await commands.start_implementation(staff, tid)
        story.at(60)
        await projects.post_progress(staff, tid, {"percent": "100", "note": "两处投放点顶棚已装好。", "date": ago(60).isoformat()})
        story.at(59)
        await commands.open_evaluation(staff, tid, ago(45).isoformat(), today=ago(59))
        story.at(55)
        for who, value, words in ((res, "unsatisfied", "洗手池没有通水。"), (res2, "unsatisfied", "除臭设备没装，气味还是很大。"),
                                  (party, "basically_satisfied", ""), (com, "unsatisfied", "顶棚装了，但洗手池和除臭都没完成。"),
                                  (rep, "satisfied", "")):
            await projects.rate_topic(who, tid, value, words)
        story.at(44)
        await projects.decide_as_of(tid, ago(44))
        story.at(30)
        await projects.post_progress(staff, tid, {"percent": "100", "note": "二次办理：洗手池已通水，除臭设备已安装。",
                                             "date": ago(30).isoformat()})
        story.at(29.5)
        await projects.add_supervision_note(rep2, tid, "二次办理已现场查看，设备运行正常。")
        story.at(29)
        await commands.open_evaluation(staff, tid, ago(15).isoformat(), today=ago(29))
        story.at(25)
        for who, value in ((res, "satisfied"), (res2, "basically_satisfied"), (party, "satisfied"),
                           (com, "satisfied"), (rep, "satisfied"), (rep2, "unsatisfied")):
            await projects.rate_topic(who, tid, value, "")
        story.at(14)
        await projects.decide_as_of(tid, ago(14))
        await story.settle(tid, end_days_ago=14)


async def _evaluating(d: _Demo) -> None:
    res, res2, _, _, com, rep, _, _, staff = d.people
    today, ago, propose = d.today, d.ago, d.propose
    # 13. under evaluation now
    story = StoryClock(50)
    tid = await propose(res2, "小区主干道路灯增设", "主干道中段路灯间距太大，晚上很黑。", "safety")
    if tid:
        story.at(46)
        await commands.screen_topic(com, tid, Action.open_discussion, {"end_date": ""})
        story.at(40)
        await commands.form_project(com, tid, {
            "consensus_summary": "增设路灯6盏，由社区公益金解决。", "title": "主干道路灯增设",
            "scope": "主干道中段增设太阳能路灯6盏。", "estimated_cost": "24000",
            "responsible_unit": "物业服务中心", "responsible_person": "吴经理",
            "deadline": (today + timedelta(days=20)).isoformat(), "funding_route": "community",
        }, today=ago(40))
        story.at(38)
        await commands.start_implementation(staff, tid)
        story.at(3)
        await projects.post_progress(staff, tid, {"percent": "100", "note": "6盏路灯已安装并通电。", "date": ago(3).isoformat()})
        story.at(2)
        await commands.open_evaluation(staff, tid, "")
        story.at(1)
        await projects.rate_topic(res, tid, "satisfied", "晚上亮多了。")
        await projects.rate_topic(rep, tid, "basically_satisfied", "")
        await story.settle(tid, end_days_ago=0.5)


async def load(scale: int = 0) -> str:
    places = await load_base_places()
    v = await _viewers()
    d = _Demo(tuple(v[name] for name in USERS), places["grids"][0], places["grids"][1])
    for part in (_proposed, _discussing, _screened_out, _parking_project, _vote_and_community_projects, _overdue_and_not_elected, _second_handling, _evaluating):
        await part(d)
    if not d.created:
        return ""
    return f"Demo topics: {d.created} created (every state of the loop, one closed after second handling)."
