"""Small parsers and formatters shared by the commands and the site."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def human_bytes(n: int) -> str:
    """1536 → "1.50 KiB"; whole bytes below 1 KiB."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.2f} {unit}"
        value /= 1024
    return f"{value:,.2f} TiB"


def positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    """An argparse `type=` that accepts only numbers greater than 0."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def compact(n: int | float) -> str:
    """1234 → "1.2k", 12345 → "12k", 2_500_000 → "2.5M"."""
    value = float(n)
    for threshold, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= threshold:
            scaled = value / threshold
            text = f"{scaled:.1f}" if scaled < 10 else f"{scaled:.0f}"
            return text.removesuffix(".0") + suffix
    return str(int(value))
