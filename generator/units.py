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
