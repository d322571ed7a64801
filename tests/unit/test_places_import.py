"""`consult places import FILE.csv` (issue 13 point 1): one row per place as a path and a
household count; the kinds follow from the depth; existing places are reused; a bad row is
reported with its line number and nothing at all is imported."""

from __future__ import annotations

import sqlite3

import pytest

from consult.places.importer import ImportRefused, import_places, parse_places
from tests.conftest import run
from tests.unit.test_cli import consult

GOOD = """path,households
某区/某街道/幸福里社区/第一网格,420
某区/某街道/幸福里社区/第二网格,"1,386"
某区/某街道/幸福里社区/第一网格/3号楼,64
某区/某街道/和顺社区
""".encode()


def problems(data: bytes) -> list[str]:
    with pytest.raises(ImportRefused) as info:
        parse_places(data)
    return [p.text() for p in info.value.problems]


def test_rows_are_read_with_their_depth_and_count_and_the_header_is_skipped():
    rows = parse_places(GOOD)
    assert [(r.line, r.names, r.households) for r in rows] == [
        (2, ("某区", "某街道", "幸福里社区", "第一网格"), 420),
        (3, ("某区", "某街道", "幸福里社区", "第二网格"), 1386),
        (4, ("某区", "某街道", "幸福里社区", "第一网格", "3号楼"), 64),
        (5, ("某区", "某街道", "和顺社区"), None),
    ]
    # a BOM (as Excel writes it), no header, spaces around the parts, Windows line ends
    rows = parse_places("\ufeff 某区 / 某街道 ,0\r\n".encode())
    assert [(r.line, r.names, r.households) for r in rows] == [(1, ("某区", "某街道"), 0)]


def test_every_bad_row_is_reported_with_its_line_number():
    data = ("某区/某街道/社区/网格,12\n"   # 1 fine
            "某区//社区,3\n"              # 2 empty part
            "a/b/c/d/e/f,1\n"             # 3 six parts
            "某区/某街道,十二\n"            # 4 not a number
            "某区/某街\x07道,1\n"          # 5 control character
            "某区/某街道,1,2\n"            # 6 three columns
            ",5\n"                         # 7 no path
            "某区/某街道,-3\n"             # 8 negative
            ).encode()
    found = problems(data)
    assert [p.split(":")[0] for p in found] == [f"Line {n}" for n in (2, 3, 4, 5, 6, 7, 8)]
    assert "empty part" in found[0] and "1 to 5 parts" in found[1] and "whole number" in found[2]
    assert "control characters" in found[3] and "comma" in found[4]


def test_a_file_that_is_not_utf8_or_is_empty_is_refused():
    assert problems("某区/某街道,1\n".encode("gb18030")) == ["The file is not UTF-8 text."]
    assert problems(b"path,households\n\n") == ["The file holds no places."]
    assert "control characters" in problems(b"a/b,1\nc\x00d,2\n")[0]


def _tree():
    from consult.places.queries import tree

    return run(tree())


def test_import_creates_the_missing_places_with_kinds_from_the_depth_and_reuses_existing_ones(app):
    result = run(import_places(None, GOOD))
    assert result.created == 7  # 某区, 某街道, 幸福里社区, 2 grids, the building, 和顺社区
    t = _tree()
    by_name = {n.name: n for n in t.nodes.values() if t.label(n.id, "district").startswith("某区")}
    assert by_name["某区"].kind == "district" and by_name["某街道"].kind == "street"
    assert by_name["幸福里社区"].kind == "community" and by_name["和顺社区"].kind == "community"
    assert by_name["第二网格"].kind == "grid" and by_name["第二网格"].households == 1386
    assert by_name["3号楼"].kind == "building" and by_name["3号楼"].parent == by_name["第一网格"].id
    assert by_name["3号楼"].path == f"{by_name['第一网格'].path}{by_name['3号楼'].id}/"
    # the same file again creates nothing; a new count is applied to the existing grid
    again = run(import_places(None, GOOD.replace(b",420", b",421")))
    assert (again.created, again.updated) == (0, 1)
    assert _tree().get(by_name["第一网格"].id).households == 421


def test_a_bad_row_anywhere_imports_nothing(app):
    before = len(_tree().nodes)
    data = "甲区/甲街道/甲社区/一网格,10\n甲区/甲街道/甲社区/二网格,x\n".encode()
    with pytest.raises(ImportRefused):
        run(import_places(None, data))
    assert len(_tree().nodes) == before
    # a clash found while writing (a street at the top where the file wants a district) rolls
    # back the rows written before it
    from consult.places.commands import create_place

    run(create_place(None, None, "丁街道", "street"))
    before = len(_tree().nodes)
    with pytest.raises(ImportRefused) as info:
        run(import_places(None, "丙区/丙街道/丙社区,0\n丁街道/丁社区,0\n".encode()))
    assert info.value.problems[0].text() == "Line 2: 丁街道 is a street here, not a district."
    assert len(_tree().nodes) == before


def test_the_command_imports_a_file_and_refuses_a_bad_one_with_line_numbers(tmp_path):
    good = tmp_path / "places.csv"
    good.write_bytes(GOOD)
    r = consult(["places", "import", str(good)], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "7 places created" in r.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes("某区/新街道/新社区,1\n某区//新社区,2\n".encode())
    r = consult(["places", "import", str(bad)], tmp_path)
    assert r.returncode == 1 and "Line 2" in r.stderr and "nothing was imported" in r.stderr
    with sqlite3.connect(tmp_path / "cli.sqlite") as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM place")}
    assert "3号楼" in names and "新街道" not in names
    helped = consult(["places", "import", "--help"], tmp_path)
    assert helped.returncode == 0 and "district, street, community, grid" in helped.stdout
    assert "NOTHING is imported" in helped.stdout
