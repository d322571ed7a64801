"""`consult places import FILE.csv`: many places at once, one row per place.

The format (docs/PLACES.md): UTF-8 CSV (a BOM is allowed), one place per row as its
path from the top of the tree and its household count::

    path,households
    和平区/朝阳街道/幸福里社区/第一网格,420
    和平区/朝阳街道/幸福里社区/第一网格/3号楼,64

The kinds follow from the depth: district / street / community / grid / building. The
first line may be a header (its first cell is ``path``). The count may be left out (0;
a place above a grid usually has none). Places already on a path are reused (an existing
place gets the row's household count when the row gives one); what is missing is created.
Rows are read first, all of them: if any row is bad (an empty part, too deep, a count
that is not a whole number, control characters, not UTF-8) every problem is reported
with its line number and nothing is written. The writes are then one transaction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from consult import audit, db
from consult.fields import has_control
from consult.messages import N_
from consult.places.domain import MAX_HOUSEHOLDS, NAME_MAX, validate_place
from consult.places.tables import Place
from consult.places.tree import Kind, path_for

DEPTH_KINDS = (Kind.district, Kind.street, Kind.community, Kind.grid, Kind.building)
SEPARATOR = "/"
MAX_ROWS = 100_000

ROW_MESSAGES = {
    "encoding": N_("The file is not UTF-8 text."),
    "columns": N_("Line {line}: give a path and a household count, separated by a comma."),
    "empty_part": N_("Line {line}: the path has an empty part."),
    "depth": N_("Line {line}: a path has 1 to {max} parts (district/street/community/grid/building)."),
    "name": N_("Line {line}: a name has 1 to {max} characters."),
    "control": N_("Line {line}: control characters are not allowed."),
    "households": N_("Line {line}: the household count must be a whole number from 0 to {max}."),
    "empty": N_("The file holds no places."),
    "too_many": N_("The file holds more than {max} rows."),
    "kind_clash": N_("Line {line}: {name} is a {found} here, not a {expected}."),
}


@dataclass(frozen=True)
class RowProblem:
    """One problem of the file: (message template, params), shown with its line number."""

    code: str
    params: dict

    @property
    def message(self) -> str:
        return ROW_MESSAGES[self.code]

    def text(self) -> str:
        return self.message.format(**self.params)


@dataclass(frozen=True)
class PlaceRow:
    line: int
    names: tuple[str, ...]
    households: int | None  # None: not given


class ImportRefused(Exception):
    """The file has problems; nothing was imported."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__("; ".join(p.text() for p in problems))
        self.problems = problems


def _cell_problem(line: int, cells: list[str]) -> RowProblem | None:
    if any(has_control(c, multiline=False) for c in cells):
        return RowProblem("control", {"line": line})
    if len(cells) > 2 or not cells:
        return RowProblem("columns", {"line": line})
    return None


def _parse_row(line: int, cells: list[str]) -> PlaceRow | RowProblem:
    problem = _cell_problem(line, cells)
    if problem:
        return problem
    parts = [p.strip() for p in cells[0].strip().strip(SEPARATOR).split(SEPARATOR)]
    if not cells[0].strip() or any(not p for p in parts):
        return RowProblem("empty_part", {"line": line})
    if len(parts) > len(DEPTH_KINDS):
        return RowProblem("depth", {"line": line, "max": len(DEPTH_KINDS)})
    if any(len(p) > NAME_MAX for p in parts):
        return RowProblem("name", {"line": line, "max": NAME_MAX})
    count_text = (cells[1] if len(cells) > 1 else "").strip().replace(",", "").replace("，", "")
    if count_text and (not count_text.isascii() or not count_text.isdigit() or int(count_text) > MAX_HOUSEHOLDS):
        return RowProblem("households", {"line": line, "max": f"{MAX_HOUSEHOLDS:,}"})
    return PlaceRow(line, tuple(" ".join(p.split()) for p in parts), int(count_text) if count_text else None)


def parse_places(data: bytes) -> list[PlaceRow]:
    """Every row of the file, or ImportRefused with every problem (by line number)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([RowProblem("encoding", {})]) from None
    if "\x00" in text:
        raise ImportRefused([RowProblem("control", {"line": text[: text.index("\x00")].count("\n") + 1})])
    rows, problems = [], []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if not rows and not problems and cells[0].strip().lower() == "path":
                continue  # the header line
            parsed = _parse_row(line, cells)
            (problems if isinstance(parsed, RowProblem) else rows).append(parsed)
            if len(rows) + len(problems) > MAX_ROWS:
                raise ImportRefused([RowProblem("too_many", {"max": f"{MAX_ROWS:,}"})])
    except csv.Error:
        problems.append(RowProblem("columns", {"line": reader.line_num}))
    if problems:
        raise ImportRefused(problems)
    if not rows:
        raise ImportRefused([RowProblem("empty", {})])
    return rows


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    children: dict = field(default_factory=dict, repr=False)  # parent id -> places under it (positions)


async def _existing() -> dict[tuple[int | None, str], dict]:
    """Every place by (parent id, name): the whole tree in one query."""
    rows = await Place.select(Place.id, Place.parent, Place.name, Place.kind, Place.path, Place.households)
    return {(r["parent"], r["name"]): r for r in rows}


async def _place_for(known: dict, parent: dict | None, name: str, kind: Kind, row: PlaceRow,
                     result: ImportResult, households: int = 0) -> dict:
    parent_id = parent["id"] if parent else None
    found = known.get((parent_id, name))
    if found is not None:
        if found["kind"] != kind:
            raise ImportRefused([RowProblem("kind_clash", {"line": row.line, "name": name, "found": found["kind"],
                                                           "expected": kind.value})])
        return found
    new = validate_place(name, kind, households, parent["kind"] if parent else None)
    ids = await Place.insert(Place(parent=parent_id, kind=kind.value, name=new.name, households=new.households,
                                   position=result.children.get(parent_id, 0))).returning(Place.id)
    place = {"id": ids[0]["id"], "parent": parent_id, "name": new.name, "kind": kind.value,
             "path": path_for(parent["path"] if parent else None, ids[0]["id"]), "households": new.households}
    await Place.update({Place.path: place["path"]}).where(Place.id == place["id"])
    known[(parent_id, name)] = place
    result.children[parent_id] = result.children.get(parent_id, 0) + 1
    result.created += 1
    return place


async def import_places(actor_id: int | None, data: bytes) -> ImportResult:
    """Import the file's places in one transaction (ImportRefused: nothing was written)."""
    rows = parse_places(data)
    result = ImportResult()
    async with db.transaction():
        known = await _existing()
        for parent_id, _name in known:
            result.children[parent_id] = result.children.get(parent_id, 0) + 1
        for row in rows:
            parent = None
            for depth, name in enumerate(row.names):
                last = depth == len(row.names) - 1
                parent = await _place_for(known, parent, name, DEPTH_KINDS[depth], row, result,
                                          (row.households or 0) if last else 0)
            if row.households is not None and parent["households"] != row.households:
                await Place.update({Place.households: row.households}).where(Place.id == parent["id"])
                parent["households"] = row.households
                result.updated += 1
        await audit.record(actor_id, "place.imported", "place", "", rows=len(rows), created=result.created,
                           updated=result.updated)
    return result
