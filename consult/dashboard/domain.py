"""The data dashboard (数据驱动分析), pure: the figures' shapes, their arithmetic and the
geometry of the inline SVG charts. No database, no web.

The services compute each figure with one SQL aggregate and hand the rows to the
builders here; the page, the JSON API (``/api/v1/stats``) and the tests all read the
same dataclasses.

Decisions where the spec is silent:

* **Year** means the year a topic was proposed, in the community's time zone
  (Asia/Shanghai); every figure is about the topics proposed in that year (and grid).
* **Days to screening**: from the proposal (``topic.created_at``) to the first timeline
  entry that leaves ``proposed`` (to discussing, rejected, referred or merged).
* **Days from project to closing**: from the first entry into ``project`` to the entry
  into ``closed``, for closed topics; second handling rounds are inside the span.
* **Share overdue** = overdue projects / open projects (``project``, ``implementing``,
  ``evaluating``: the states in which the domain's ``is_overdue`` can be true).
* **Satisfaction** = (满意 + 基本满意) / all ratings (the topics domain's rule), per
  handling round and per category, over every rating of the selected topics.
* **Most-seconded open topics**: topics not in a terminal state with at least one
  second; ties go to the earlier topic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from fractions import Fraction

from consult.fields import bounded_integer, row_id
from consult.numbers import percent_text
from consult.topics.evaluation import satisfaction_rate

SHANGHAI = timezone(timedelta(hours=8))
MIN_YEAR, MAX_YEAR = 2000, 2100
TOP_SECONDED = 5


# ------------------------------------------------------------------ filters


@dataclass(frozen=True)
class StatsFilters:
    year: int | None = None
    place: int | None = None  # a place at any level: its topics and those of every place below
    path: str | None = None  # the place's path, filled in once the place is found in the tree

    @classmethod
    def parse(cls, year: object = None, place: object = None) -> StatsFilters:
        """From query-string values; anything unusable is ignored, not an error (a place id
        that names no place is refused by the page with a 404)."""
        return cls(year=_usable(bounded_integer(year, MIN_YEAR, MAX_YEAR)), place=_usable(row_id(place)))

    def params(self) -> dict:
        return {"year": self.year or "", "place": self.place or ""}


def _usable(parsed: tuple[int | None, object]) -> int | None:
    number, error = parsed
    return None if error is not None else number


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[start, end) of ``year`` in Asia/Shanghai, as UTC datetimes."""
    start = datetime(year, 1, 1, tzinfo=SHANGHAI).astimezone(timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=SHANGHAI).astimezone(timezone.utc)
    return start, end


def local_year(moment: datetime | str | None) -> int | None:
    """The Asia/Shanghai year of a stored timestamp (naive values are UTC)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(SHANGHAI).year


def year_choices(first: int | None, last: int | None, current: int) -> list[int]:
    """Years to offer in the filter, newest first: the span of the data and this year."""
    years = [y for y in (first, last) if y is not None] + [current]
    return list(range(max(years), min(years) - 1, -1))


# ------------------------------------------------------------------ figures (also the API's types)


@dataclass
class CategoryGridCount:
    category: str  # slug
    category_zh: str
    category_en: str
    grid_id: int
    grid: str
    topics: int


@dataclass
class MonthCount:
    month: str  # YYYY-MM, Asia/Shanghai
    topics: int


@dataclass
class MedianDays:
    median_days: float | None  # None: no topic has the span yet
    topics: int


@dataclass
class OverdueShare:
    open_projects: int
    overdue: int
    share_percent: float | None  # None: no open projects


@dataclass
class RoundSatisfaction:
    round: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    total: int
    rate_percent: float | None


@dataclass
class CategorySatisfaction:
    category: str
    category_zh: str
    category_en: str
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    total: int
    rate_percent: float | None


@dataclass
class SecondedTopic:
    id: int
    title: str
    state: str
    seconds: int
    url: str


@dataclass
class CommunityFigures:
    """One community's row in a street's (district's, install's) side-by-side comparison."""

    place_id: int
    name: str  # with its street (朝阳街道 · 幸福里社区), or only its own below a street
    households: int  # the sum of its active grids'
    topics: int
    open_topics: int  # not in a final state
    unanswered: int  # proposed and not screened within the response time
    open_projects: int
    overdue: int
    closed: int
    ratings: int
    satisfaction_percent: float | None  # (satisfied + basically satisfied) / ratings; None: no ratings


@dataclass
class Stats:
    """Every figure of the dashboard for one choice of filters."""

    year: int | None
    grid_id: int | None  # the place when it is a grid (what the API said before places were a tree)
    topics: int
    place_id: int | None = None
    communities: list[CommunityFigures] = field(default_factory=list)  # above a community: one row each
    topics_by_category_grid: list[CategoryGridCount] = field(default_factory=list)
    opened_per_month: list[MonthCount] = field(default_factory=list)
    days_to_screening: MedianDays = field(default_factory=lambda: MedianDays(None, 0))
    days_project_to_closing: MedianDays = field(default_factory=lambda: MedianDays(None, 0))
    overdue: OverdueShare = field(default_factory=lambda: OverdueShare(0, 0, None))
    satisfaction_by_round: list[RoundSatisfaction] = field(default_factory=list)
    satisfaction_by_category: list[CategorySatisfaction] = field(default_factory=list)
    most_seconded_open: list[SecondedTopic] = field(default_factory=list)


def percent(part: int | Fraction, whole: int = 1) -> float | None:
    """``part / whole`` as a percentage rounded half up to 0.1 (the number the page shows,
    ``numbers.percent_text``, as a JSON number); None when ``whole`` is 0."""
    if not whole:
        return None
    return float(percent_text(Fraction(part) / whole, fixed=True))


def rate_percent(satisfied: int, basic: int, unsatisfied: int) -> float | None:
    rate = satisfaction_rate(satisfied, basic, unsatisfied)
    return None if rate is None else percent(rate)


def median(values: Sequence[float]) -> float | None:
    """The median of already sorted values (a check for the SQL median in tests)."""
    n = len(values)
    if n == 0:
        return None
    mid = n // 2
    return float(values[mid]) if n % 2 else (values[mid - 1] + values[mid]) / 2


def days(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def month_series(counts: Mapping[str, int], year: int | None) -> list[MonthCount]:
    """Every month of ``year`` (or from the first to the last month with topics), zeros
    included, oldest first."""
    if year is not None:
        months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    elif counts:
        first, last = min(counts), max(counts)
        y, m = int(first[:4]), int(first[5:7])
        months = []
        while f"{y:04d}-{m:02d}" <= last:
            months.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    else:
        months = []
    return [MonthCount(month, int(counts.get(month, 0))) for month in months]


# ------------------------------------------------------------------ the category x grid matrix


@dataclass
class Matrix:
    columns: list[dict]  # {"id", "name", "total"}
    rows: list[dict]  # {"slug", "name_zh", "name_en", "cells": [int], "total"}
    total: int
    max: int


def category_grid_matrix(
    categories: Iterable[Mapping], grids: Iterable[Mapping], counts: Iterable[CategoryGridCount]
) -> Matrix:
    """Rows = categories (``slug``, ``name_zh``, ``name_en``), columns = grids (``id``,
    ``name``); a category or grid with no topics is still shown."""
    columns = [{"id": g["id"], "name": g["name"], "total": 0} for g in grids]
    index = {c["id"]: i for i, c in enumerate(columns)}
    rows = [
        {"slug": c["slug"], "name_zh": c["name_zh"], "name_en": c["name_en"], "cells": [0] * len(columns), "total": 0}
        for c in categories
    ]
    by_slug = {r["slug"]: r for r in rows}
    for cell in counts:
        row = by_slug.get(cell.category)
        if row is None:
            row = {"slug": cell.category, "name_zh": cell.category_zh, "name_en": cell.category_en,
                   "cells": [0] * len(columns), "total": 0}
            rows.append(row)
            by_slug[cell.category] = row
        if cell.grid_id not in index:
            continue
        row["cells"][index[cell.grid_id]] += cell.topics
        row["total"] += cell.topics
        columns[index[cell.grid_id]]["total"] += cell.topics
    total = sum(r["total"] for r in rows)
    top = max((n for r in rows for n in r["cells"]), default=0)
    return Matrix(columns=columns, rows=rows, total=total, max=top)


# ------------------------------------------------------------------ SVG geometry
# Charts are drawn in a fixed viewBox and scaled by CSS; coordinates are rounded to
# one decimal so the markup stays short.


def _r(x: float) -> float:
    return round(x, 1)


@dataclass
class HeatCell:
    x: float
    y: float
    w: float
    h: float
    value: int
    opacity: float  # 0 for an empty cell
    dark: bool  # light text on a dark cell


@dataclass
class HeatMap:
    width: int
    height: int
    label_width: int
    cell_w: int
    cell_h: int
    header_h: int
    cells: list[list[HeatCell]]  # per row


def heat_map(matrix: Matrix, *, label_width: int = 96, cell_w: int = 72, cell_h: int = 30,
             header_h: int = 28) -> HeatMap:
    """A cell per (category, grid); colour strength proportional to the count."""
    cells = []
    for i, row in enumerate(matrix.rows):
        line = []
        for j, value in enumerate(row["cells"]):
            opacity = 0.0 if not value or not matrix.max else _r(0.15 + 0.85 * value / matrix.max)
            line.append(HeatCell(
                x=label_width + j * cell_w, y=header_h + i * cell_h, w=cell_w - 2, h=cell_h - 2,
                value=value, opacity=opacity, dark=opacity > 0.55,
            ))
        cells.append(line)
    return HeatMap(
        width=label_width + cell_w * max(len(matrix.columns), 1), height=header_h + cell_h * max(len(matrix.rows), 1),
        label_width=label_width, cell_w=cell_w, cell_h=cell_h, header_h=header_h, cells=cells,
    )


def text_width(text: str, size: int = 12) -> int:
    """A generous estimate of the width of ``text`` at ``size`` px: CJK characters are square,
    Latin ones about 0.6 of that (no font metrics on the server)."""
    return round(sum(size if ord(ch) >= 0x2E80 else size * 0.62 for ch in text))


def heat_map_fit(matrix: Matrix, size: int = 12) -> dict:
    """Label and cell widths that hold every row and column name whole at ``size`` px."""
    label = max((text_width(r["name"], size) for r in matrix.rows), default=0)
    column = max((text_width(c["name"], size) for c in matrix.columns), default=0)
    return {"label_width": max(96, label + 12), "cell_w": max(56, column + 10)}


def nice_max(value: int) -> int:
    """A round upper bound for an axis: 1, 2, 5, 10, 20, 50, ..."""
    if value <= 1:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= step * factor:
                return step * factor
        step *= 10


@dataclass
class LinePoint:
    x: float
    y: float
    label: str
    value: int
    tick: bool  # label shown on the axis


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    y_max: int
    points: list[LinePoint]
    polyline: str  # the "points" attribute


def line_chart(series: Sequence[MonthCount], *, width: int = 640, height: int = 220, left: int = 40,
               right: int = 30, top: int = 14, bottom: int = 34, max_ticks: int = 6) -> LineChart:
    """A polyline through the monthly counts; at most ``max_ticks`` month labels."""
    y_max = nice_max(max((m.topics for m in series), default=0))
    x0, x1 = left, width - right
    y0, y1 = top, height - bottom
    n = len(series)
    every = max(1, -(-n // max_ticks))
    points = []
    for i, m in enumerate(series):
        x = (x0 + x1) / 2 if n == 1 else x0 + (x1 - x0) * i / (n - 1)
        y = y1 - (y1 - y0) * m.topics / y_max
        points.append(LinePoint(_r(x), _r(y), m.month, m.topics, tick=(i % every == 0 or i == n - 1)))
    return LineChart(width, height, left, x1, top, y1, y_max, points,
                     " ".join(f"{p.x},{p.y}" for p in points))


@dataclass
class Bar:
    y: float
    width: float
    label: str
    value: float | None
    below_threshold: bool


@dataclass
class BarChart:
    width: int
    height: int
    label_width: int
    bar_area: int
    bar_h: int
    row_h: int
    threshold_x: float | None
    bars: list[Bar]


def percent_bars(items: Sequence[tuple[str, float | None]], *, threshold: float | None = None,
                 width: int = 640, label_width: int = 150, value_width: int = 60, row_h: int = 30,
                 bar_h: int = 20) -> BarChart:
    """Horizontal bars for percentages (0-100), with an optional threshold line."""
    area = width - label_width - value_width
    bars = [
        Bar(y=i * row_h + (row_h - bar_h) / 2, width=_r(area * (value or 0) / 100), label=label, value=value,
            below_threshold=threshold is not None and value is not None and value < threshold)
        for i, (label, value) in enumerate(items)
    ]
    return BarChart(
        width=width, height=max(row_h * len(items), row_h), label_width=label_width, bar_area=area, bar_h=bar_h,
        row_h=row_h, threshold_x=None if threshold is None else _r(label_width + area * threshold / 100), bars=bars,
    )
