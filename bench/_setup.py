"""Run by the bench scripts in a workspace's environment (DATABASE_URL set):

    python bench/_setup.py vote N TITLE      an open vote with N generated representatives on its roll
    python bench/_setup.py residents N       N generated verified residents (user names fault_resNNNNN)

Prints one line of JSON."""

import asyncio
import json
import random
import sys

from consult import db
from consult.settings import load_settings


async def main(args: list[str]) -> None:
    db.use_database(load_settings().database_url)
    await db.prepare_engine()
    try:
        if args[0] == "vote":
            from scale import bench_vote

            print(json.dumps(await bench_vote(int(args[1]), args[2])))
        else:
            from consult.accounts import passwords
            from consult.accounts.demo import DEMO_PASSWORD, load_base_places
            from scale import BulkWriter, ensure_accounts

            places = await load_base_places()
            async with BulkWriter() as w:
                await ensure_accounts(w, "fault_res", int(args[1]), ["resident"], places["grids"],
                                      passwords.hash_password(DEMO_PASSWORD), random.Random(5))
            print(json.dumps({"usernames": [f"fault_res{n:05d}" for n in range(1, int(args[1]) + 1)],
                              "grids": places["grids"], "categories": sorted(places["categories"])}))
    finally:
        await db.close_engine()


asyncio.run(main(sys.argv[1:]))
