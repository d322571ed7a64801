"""Exact numbers for reading: money, percentages and weights. Standard library only.

Every figure a person reads is formatted here, from exact values (int, Decimal,
Fraction), rounded half up where it must be rounded, never through a float.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

_HALF = Fraction(1, 2)


def _half_up(value: Fraction) -> int:
    return (value + _HALF).__floor__()


def percent_text(share: Fraction | int, *, fixed: bool = False) -> str:
    """A share (0..1) as a percentage: a whole percentage as is ("50"), else one decimal
    rounded half up ("33.3"); a share that rounds to a whole shows no decimal ("12").
    ``fixed``: always one decimal ("50.0", as the dashboard's figures show)."""
    tenths = _half_up(Fraction(share) * 1000)
    whole, tenth = divmod(tenths, 10)
    return f"{whole}.{tenth}" if tenth or fixed else str(whole)


def percent_value(part: int | Fraction, whole: int = 1) -> Fraction | None:
    """``part / whole`` as an exact percentage (0..100); None when ``whole`` is 0."""
    if not whole:
        return None
    return Fraction(part) / whole * 100


def cents_text(cents: int) -> str:
    """Integer hundredths as a plain decimal without trailing zeros: 150 -> "1.5"."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}" + (f".{frac:02d}".rstrip("0") if frac else "")


def to_cents(value: Decimal | Fraction | int) -> int:
    """A value with at most 2 decimals as an exact number of hundredths (truncating)."""
    return int(Fraction(value) * 100)


def has_cents_only(value: Decimal | Fraction | int) -> bool:
    return (Fraction(value) * 100).denominator == 1


def yuan_text(value: Fraction | Decimal | int | None) -> str:
    """An amount of yuan for reading, grouped by thousands, rounded half up to fen."""
    if value is None:
        return ""
    fen = _half_up(Fraction(value) * 100)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}" + (f".{cents:02d}".rstrip("0") if cents else "")
