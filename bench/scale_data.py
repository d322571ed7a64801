"""The words and shares the scale-data generator (bench/scale.py) draws from."""

from __future__ import annotations

import random

RESIDENT_PREFIX = "scale_res"
REP_PREFIX = "scale_rep"
REPRESENTATIVES = 200
BUSY_EVERY = 1000  # every 1000th topic gets exactly BUSY_COMMENTS comments
BUSY_COMMENTS = 100
CHUNK_TOPICS = 2000
VOTE_TITLE = "规模测试 {year} 年度民生实事项目代表票决"
# --communities M: past the demo street's three communities, generated ones in generated streets
COMMUNITIES_PER_STREET = 10
STREET_NAME = "规模测试第{n}街道"
COMMUNITY_NAME = "规模测试第{n}社区"
GRID_NAMES = ["第一网格", "第二网格", "第三网格", "第四网格"]

# state -> share of topics (sums to 1)
STATE_SHARES = [
    ("proposed", 0.14),
    ("discussing", 0.20),
    ("rejected", 0.08),
    ("referred", 0.05),
    ("merged", 0.04),
    ("project", 0.10),
    ("implementing", 0.16),
    ("not_elected", 0.02),
    ("evaluating", 0.08),
    ("closed", 0.13),
]
WITH_DISCUSSION = {"discussing", "project", "implementing", "not_elected", "evaluating", "closed"}
WITH_SHEET = {"project", "implementing", "not_elected", "evaluating", "closed"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌燕鹏辉海波宁"
PLACES = ["东门", "北门", "3号楼", "5号楼", "7号楼", "12号楼", "小区花园", "地下车库", "南侧围墙", "活动中心",
          "菜市场路口", "幼儿园门口", "老年食堂", "垃圾分类站", "健身广场", "消防通道", "2单元楼道", "西侧停车场"]
ISSUES = {
    "parking": ["车位紧张", "乱停车堵塞通道", "错时停车方案", "电动车充电难"],
    "elevator": ["加装电梯", "电梯加装费用分摊", "电梯施工噪音"],
    "property": ["物业维修不及时", "物业费公示", "保洁频次不足"],
    "sanitation": ["垃圾清运不及时", "绿化带杂物堆积", "下水道异味"],
    "care": ["老年助餐点", "托育服务需求", "日间照料中心"],
    "safety": ["路灯损坏", "消防通道堵塞", "井盖松动", "高空抛物隐患"],
    "neighbours": ["噪音扰民", "宠物管理", "楼道堆物"],
    "facilities": ["健身器材老化", "增设休息座椅", "无障碍坡道"],
    "other": ["社区活动建议", "信息公开建议", "志愿服务"],
}
SENTENCES = [
    "我每天都经过这里，情况确实比较严重。", "建议先摸清底数，再拿出两套方案给大家比较。",
    "费用怎么分摊需要公开透明。", "老人和孩子多，安全问题要优先考虑。", "物业应该拿出具体的时间表。",
    "我同意楼上的意见，希望尽快解决。", "能不能请专业单位来评估一下？", "晚上这里很暗，走路不方便。",
    "去年也提过类似问题，后来没有下文。", "可以参考隔壁小区的做法。", "希望社区定期公布进展。",
    "低层住户的意见也要听一听。", "我愿意当志愿者帮忙。", "建议分两期实施，先解决最急的部分。",
    "预算要控制好，不要铺张。", "施工期间请注意噪音和安全。", "这个问题影响到很多家庭。",
    "支持，早就该改了。", "我有不同看法，担心会影响采光。", "请网格员上门听取意见。",
]
DEPARTMENTS = ["街道城市管理办公室", "区住房和城乡建设委员会", "区交通委员会", "供电公司营业厅", "自来水公司"]
UNITS = ["社区居委会", "物业服务中心", "街道城市管理办公室", "社区卫生服务站", "业主委员会"]
PERSONS = ["陈书记", "吴经理", "刘主任", "张工", "王科长"]
REJECT_REASONS = ["属于业主个人事务，不在社区议事范围。", "已有同类项目在实施中。", "不符合相关规定，无法立项。"]
HIDE_REASONS = ["含有人身攻击内容", "与议题无关的广告", "泄露他人隐私"]


def random_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(SENTENCES) for _ in range(n))
