"""`consult demo`: the demo community (consult.accounts.demo), then each feature's demo data.

Idempotent: every part looks its rows up by a natural key before it creates them.
Load-test data at scale is not made here: see bench/scale.py.
"""

from __future__ import annotations

from consult.accounts import demo as accounts_demo
from consult.intake import demo as intake_demo
from consult.topics import demo as topics_demo
from consult.topics import demo_communities as communities_demo
from consult.voting import demo as voting_demo
from consult.meetings import demo as meetings_demo
from consult.workorders import demo as workorders_demo
from consult.workorders import demo_rates as work_order_rates_demo


async def load_demo() -> str:
    await accounts_demo.load_base()
    lines = [f"Demo community loaded: {accounts_demo.COMMUNITY}, {len(accounts_demo.GRIDS)} grids, "
             f"{len(accounts_demo.DEMO_USERS)} demo accounts (password {accounts_demo.DEMO_PASSWORD})."]
    # work orders' follow-ups and 诉求不合理 after the work orders themselves
    for feature in (topics_demo, communities_demo, voting_demo, workorders_demo, work_order_rates_demo, intake_demo,
                    meetings_demo):
        result = await feature.load()
        if result:
            lines.append(result)
    return "\n".join(lines)
