"""PyPI project names: PEP 508 validity, PEP 503 normalisation, and safe paths."""

from __future__ import annotations

import re
from pathlib import Path

_VALID = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[-_.]+")


def is_valid_name(name: str) -> bool:
    """True when `name` is a valid PEP 508 project name."""
    return bool(_VALID.match(name))


def normalize(name: str) -> str:
    """PEP 503 normalised form, used wherever a name becomes a path or a URL."""
    return _SEPARATORS.sub("-", name).lower()


def safe_dir(root: Path, name: str) -> Path:
    """`root/<normalized name>`, refusing any name that would escape `root`."""
    if not is_valid_name(name):
        raise ValueError(f"{name!r} is not a valid PyPI project name")
    path = root / normalize(name)
    if path.parent != root or path.name in {"", ".", ".."}:
        raise ValueError(f"{name!r} would escape {root}")
    return path
