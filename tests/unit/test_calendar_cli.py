"""`consult places holidays PLACE FILE.csv`: the days go into the place's calendar; a bad
row is named by its line number and nothing is imported; an unknown place is refused."""

import sqlite3

from tests.unit.test_cli import consult


def test_the_command_imports_a_calendar_and_refuses_a_bad_one_with_line_numbers(tmp_path):
    places = tmp_path / "places.csv"
    places.write_bytes("某区/某街道/某社区/一网格,10\n".encode())
    assert consult(["places", "import", str(places)], tmp_path).returncode == 0
    good = tmp_path / "days.csv"
    good.write_bytes("date,kind,name\n2031-10-01,holiday,国庆节\n2031-10-11,workday,调休\n".encode())
    r = consult(["places", "holidays", "某街道", str(good)], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2 days, 2 changed" in r.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes("2031-12-01,holiday,x\n2031-12-32,holiday,y\n".encode())
    r = consult(["places", "holidays", "某街道", str(bad)], tmp_path)
    assert r.returncode == 1 and "Line 2" in r.stderr and "nothing was imported" in r.stderr
    with sqlite3.connect(tmp_path / "cli.sqlite") as conn:
        rows = sorted(conn.execute("SELECT day, kind FROM calendar_day").fetchall())
    assert rows == [("2031-10-01", "holiday"), ("2031-10-11", "workday")]
    r = consult(["places", "holidays", "没有这个地方", str(good)], tmp_path)
    assert r.returncode == 2 and "no single place" in r.stderr
