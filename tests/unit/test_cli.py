"""The `consult` command: clear messages and non-zero exits for wrong use; user add; first admin."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def consult(args, tmp_path, stdin="", **env):
    full_env = dict(os.environ)
    full_env.pop("CONSULT_ENV", None)
    full_env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}", "CONSULT_DATA_DIR": str(tmp_path / "data")})
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "consult.cli", *args], input=stdin, capture_output=True, text=True,
        cwd=tmp_path, env=full_env, timeout=120,
    )


def test_wrong_arguments_give_a_clear_message_and_exit_2(tmp_path):
    r = consult(["frobnicate"], tmp_path)
    assert r.returncode == 2 and "invalid choice" in r.stderr
    r = consult(["user", "add", "bob", "--role", "emperor"], tmp_path)
    assert r.returncode == 2 and "emperor" in r.stderr
    r = consult([], tmp_path)
    assert r.returncode == 2


def test_migrate_prints_the_first_admin_once_and_user_add_reads_the_password_from_stdin(tmp_path):
    first = consult(["migrate"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "one-time password" in first.stdout
    again = consult(["migrate"], tmp_path)
    assert again.returncode == 0 and "one-time password" not in again.stdout

    ok = consult(["user", "add", "clerk", "--role", "staff"], tmp_path, stdin="a-long-password\n")
    assert ok.returncode == 0, ok.stderr
    assert "clerk" in ok.stdout and "staff" in ok.stdout
    dup = consult(["user", "add", "clerk", "--role", "staff"], tmp_path, stdin="a-long-password\n")
    assert dup.returncode == 2 and "taken" in dup.stderr
    short = consult(["user", "add", "other"], tmp_path, stdin="short\n")
    assert short.returncode == 2 and "Password" in short.stderr
    empty = consult(["user", "add", "nopass"], tmp_path, stdin="")
    assert empty.returncode == 2 and "standard input" in empty.stderr


def test_admin_password_from_environment_is_used(tmp_path):
    r = consult(["migrate"], tmp_path, CONSULT_ADMIN_PASSWORD="chosen-secret-pass")
    assert r.returncode == 0 and "CONSULT_ADMIN_PASSWORD" in r.stdout and "one-time" not in r.stdout


def test_a_common_admin_password_from_the_environment_is_refused_plainly(tmp_path):
    r = consult(["migrate"], tmp_path, CONSULT_ADMIN_PASSWORD="password1")
    assert r.returncode == 2 and "CONSULT_ADMIN_PASSWORD" in r.stderr and "10,000 most used" in r.stderr
    assert "Traceback" not in r.stderr


def test_production_requires_a_secret_key_and_refuses_demo(tmp_path):
    r = consult(["migrate"], tmp_path, CONSULT_ENV="production", SECRET_KEY="")
    assert r.returncode == 2 and "SECRET_KEY" in r.stderr
    r = consult(["demo"], tmp_path, CONSULT_ENV="production", SECRET_KEY="s" * 40)
    assert r.returncode == 2 and "demo" in r.stderr


def test_demo_is_idempotent(tmp_path):
    assert consult(["demo"], tmp_path).returncode == 0
    second = consult(["demo"], tmp_path)
    assert second.returncode == 0, second.stderr
    import sqlite3

    con = sqlite3.connect(tmp_path / "cli.sqlite")
    kinds = dict(con.execute("select kind, count(*) from place group by kind").fetchall())
    assert kinds == {"district": 1, "street": 1, "community": 3, "grid": 9}
    assert con.execute("select count(*) from category").fetchone()[0] == 9
    assert con.execute("select count(*) from account where username like 'demo_%'").fetchone()[0] == 16  # 11 + 3 department people + the district's staff + the grid worker
    roles = {r[0] for r in con.execute("select distinct role from user_role")}
    assert roles == {"resident", "party_member", "committee", "representative", "staff", "grid_worker", "admin"}


def test_recount_checks_a_file_against_the_published_sha256_and_says_so_plainly(tmp_path):
    import hashlib
    import json

    record = {"rule": "majority", "seats": 1, "budget": None, "basis": "enrolled", "threshold": "1/2",
              "public_weight": "0", "roll_weight": "3",
              "candidates": [{"id": "1", "title": "社区食堂", "cost": 100, "support": 0}],
              "ballots": [{"receipt": f"r{i}", "weight": "1", "choices": {"1": "approve"}} for i in range(3)]}
    body = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    seal = hashlib.sha256(body).hexdigest()
    (tmp_path / "ballots.json").write_bytes(body)
    ok = consult(["recount", "ballots.json", "--sha256", seal.upper()], tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "is the published record" in ok.stderr and seal in ok.stderr
    out = json.loads(ok.stdout)
    assert out["elected"] == ["1"] and out["ballots_sha256"] == seal  # the format of /results, seal included
    assert json.loads(consult(["recount", "-"], tmp_path, stdin=body.decode()).stdout) == out

    record["ballots"][0]["choices"]["1"] = "oppose"  # one ballot changed
    (tmp_path / "changed.json").write_bytes(json.dumps(record, ensure_ascii=False).encode())
    bad = consult(["recount", "changed.json", "--sha256", seal], tmp_path)
    assert bad.returncode == 1 and bad.stdout == ""
    assert "is NOT the published record" in bad.stderr and seal in bad.stderr and "Not recounted" in bad.stderr


def test_demo_scale_spreads_the_generated_topics_across_communities(tmp_path):
    """`consult demo --scale N --communities M` (issue 13 point 7): the demo street's three
    communities, then generated ones in generated streets; every community gets topics, and
    the generated accounts' roles are granted at their own community."""
    import sqlite3

    r = consult(["demo", "--scale", "120", "--communities", "5"], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "in 5 communities" in r.stdout
    db = sqlite3.connect(tmp_path / "cli.sqlite")
    per_community = dict(db.execute(
        "SELECT c.name, COUNT(*) FROM topic t JOIN account a ON a.id = t.author "
        "JOIN place g ON g.id = t.grid JOIN place c ON c.id = g.parent "
        "WHERE a.username LIKE 'scale_res%' GROUP BY c.name").fetchall())
    assert sum(per_community.values()) == 120
    assert set(per_community) == {"幸福里社区", "和顺社区", "新风社区", "规模测试第4社区", "规模测试第5社区"}
    assert all(n >= 10 for n in per_community.values()), per_community
    streets = {name for (name,) in db.execute(
        "SELECT s.name FROM place c JOIN place s ON s.id = c.parent WHERE c.kind = 'community'")}
    assert streets == {"朝阳街道", "规模测试第1街道"}
    unplaced = db.execute("SELECT COUNT(*) FROM user_role r JOIN account a ON a.id = r.\"user\" "
                          "WHERE a.username LIKE 'scale_%' AND r.place IS NULL").fetchone()[0]
    assert unplaced == 0
    again = consult(["demo", "--scale", "120", "--communities", "5"], tmp_path)
    assert again.returncode == 0 and "nothing added" in again.stdout
    assert consult(["demo", "--scale", "10", "--communities", "0"], tmp_path).returncode == 2


def test_demo_has_follow_ups_and_one_order_judged_unreasonable_by_the_street(tmp_path):
    """Issue 15 point 7 (this part): follow-ups on demo orders, one unreasonable order approved by the street."""
    assert consult(["demo"], tmp_path).returncode == 0
    assert consult(["demo"], tmp_path).returncode == 0  # idempotent
    import sqlite3

    con = sqlite3.connect(tmp_path / "cli.sqlite")
    assert con.execute("select count(*) from work_order_follow_up").fetchone()[0] >= 1
    rows = con.execute("select x.decision, p.name from work_order_exclusion x join place p on p.id = x.approver_level"
                       " join account a on a.id = x.decided_by where a.username = 'chaoyang_staff'").fetchall()
    assert rows == [("approved", "朝阳街道")]
