"""The dashboard's pure helpers: filters, medians, month series, the matrix, SVG geometry, CSV cells."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from consult.dashboard import domain
from consult.dashboard.domain import CategoryGridCount, MonthCount, StatsFilters


def test_filters_ignore_what_they_cannot_use():
    assert StatsFilters.parse("2024", "3") == StatsFilters(2024, 3)
    assert StatsFilters.parse(" 2025 ", "") == StatsFilters(2025, None)
    assert StatsFilters.parse("abc", "x") == StatsFilters(None, None)
    assert StatsFilters.parse("1850", "0") == StatsFilters(None, None)
    assert StatsFilters.parse(None, True) == StatsFilters(None, None)
    assert StatsFilters(2024, None).params() == {"year": 2024, "place": ""}


def test_a_year_is_a_year_in_shanghai():
    start, end = domain.year_bounds(2025)
    assert start == datetime(2024, 12, 31, 16, tzinfo=timezone.utc)
    assert end == datetime(2025, 12, 31, 16, tzinfo=timezone.utc)
    assert domain.local_year(datetime(2024, 12, 31, 16, 30, tzinfo=timezone.utc)) == 2025
    assert domain.local_year("2024-12-31 15:59:59.5+00:00") == 2024
    assert domain.local_year(datetime(2024, 12, 31, 16, 30)) == 2025  # naive = UTC
    assert domain.local_year(None) is None
    assert domain.year_choices(2023, 2025, 2026) == [2026, 2025, 2024, 2023]
    assert domain.year_choices(None, None, 2026) == [2026]


@pytest.mark.parametrize("values, expected", [
    ([], None), ([4], 4.0), ([1, 3], 2.0), ([0.5, 1, 2, 4], 1.5), ([0.5, 1, 2, 3, 4, 6, 10], 3.0),
])
def test_median(values, expected):
    assert domain.median(values) == expected


def test_percent_and_satisfaction_rate():
    assert domain.percent(1, 3) == 33.3
    assert domain.percent(2, 3) == 66.7
    assert domain.percent(0, 0) is None
    assert domain.rate_percent(4, 3, 6) == 53.8  # (4 + 3) / 13
    assert domain.rate_percent(0, 0, 0) is None
    assert domain.days(44.00000001) == 44.0 and domain.days(None) is None


def test_month_series_fills_every_month():
    counts = {"2024-11": 2, "2025-02": 1}
    assert [(m.month, m.topics) for m in domain.month_series(counts, None)] == [
        ("2024-11", 2), ("2024-12", 0), ("2025-01", 0), ("2025-02", 1)]
    year = domain.month_series(counts, 2025)
    assert len(year) == 12 and year[0] == MonthCount("2025-01", 0) and year[1] == MonthCount("2025-02", 1)
    assert domain.month_series({}, None) == []


def cell(slug, grid, n):
    return CategoryGridCount(slug, slug + "中", slug.title(), grid, f"G{grid}", n)


def test_matrix_has_every_category_and_grid_with_totals():
    categories = [{"slug": s, "name_zh": s, "name_en": s} for s in ("parking", "elevator", "other")]
    grids = [{"id": 1, "name": "G1"}, {"id": 2, "name": "G2"}]
    m = domain.category_grid_matrix(categories, grids, [cell("parking", 1, 2), cell("parking", 2, 3),
                                                         cell("elevator", 2, 1), cell("retired", 1, 4)])
    assert [r["slug"] for r in m.rows] == ["parking", "elevator", "other", "retired"]  # an inactive category with topics still shows
    assert [r["cells"] for r in m.rows] == [[2, 3], [0, 1], [0, 0], [4, 0]]
    assert [r["total"] for r in m.rows] == [5, 1, 0, 4]
    assert [c["total"] for c in m.columns] == [6, 4]
    assert m.total == 10 and m.max == 4


def test_heat_map_geometry_and_strength():
    categories = [{"slug": "a", "name_zh": "a", "name_en": "a"}, {"slug": "b", "name_zh": "b", "name_en": "b"}]
    grids = [{"id": 1, "name": "G1"}, {"id": 2, "name": "G2"}]
    m = domain.category_grid_matrix(categories, grids, [cell("a", 1, 4), cell("b", 2, 1)])
    h = domain.heat_map(m, label_width=100, cell_w=50, cell_h=20, header_h=30)
    assert (h.width, h.height) == (200, 70)
    a1, a2 = h.cells[0]
    assert (a1.x, a1.y, a1.w, a1.h) == (100, 30, 48, 18) and a1.opacity == 1.0 and a1.dark
    assert a2.value == 0 and a2.opacity == 0.0 and not a2.dark
    b2 = h.cells[1][1]
    assert (b2.x, b2.y) == (150, 50) and b2.opacity == 0.4 and not b2.dark  # 0.15 + 0.85 / 4


@pytest.mark.parametrize("value, expected", [(0, 1), (1, 1), (2, 2), (3, 5), (7, 10), (10, 10), (11, 20), (130, 200)])
def test_nice_max(value, expected):
    assert domain.nice_max(value) == expected


def test_line_chart_maps_months_to_points():
    series = [MonthCount(f"2025-{m:02d}", n) for m, n in zip(range(1, 4), (0, 5, 2))]
    c = domain.line_chart(series, width=240, height=140, left=40, right=0, top=20, bottom=20)
    assert c.y_max == 5
    assert [(p.x, p.y) for p in c.points] == [(40, 120), (140, 20), (240, 80)]
    assert c.polyline == "40.0,120.0 140.0,20.0 240.0,80.0"
    assert all(p.tick for p in c.points)
    one = domain.line_chart([MonthCount("2025-01", 3)], width=100, left=0, right=0)
    assert one.points[0].x == 50
    long = domain.line_chart([MonthCount(f"m{i}", i) for i in range(30)], max_ticks=12)
    ticks = [i for i, p in enumerate(long.points) if p.tick]
    assert ticks[0] == 0 and ticks[-1] == 29 and len(ticks) <= 12 + 1


def test_percent_bars_and_threshold():
    b = domain.percent_bars([("R1", 50.0), ("R2", 100.0), ("R3", None)], threshold=80.0, width=300,
                            label_width=50, value_width=50, row_h=30, bar_h=20)
    assert b.bar_area == 200 and b.height == 90
    assert [bar.width for bar in b.bars] == [100, 200, 0]
    assert [bar.y for bar in b.bars] == [5, 35, 65]
    assert [bar.below_threshold for bar in b.bars] == [True, False, False]
    assert b.threshold_x == 210
    assert domain.percent_bars([("x", 10.0)]).threshold_x is None


def test_domain_imports_no_framework():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(domain.__file__).read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {n for n in names if n.split(".")[0] in {"piccolo", "litestar", "jinja2"}}
