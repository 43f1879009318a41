"""Where things live under data/: `data/<normalized-name>/<kind>.csv` and `data/_meta/`."""

from __future__ import annotations

from pathlib import Path

from generator.model import ALL_KINDS
from generator.names import safe_dir

META_DIR = "_meta"
SAMPLE_MARKER = "sample.txt"  # in data/_meta/: the history is the demo's generated sample


def package_dir(data_dir: Path, name: str) -> Path:
    """`data/<normalized name>`; a name that could escape data/ is refused."""
    return safe_dir(data_dir, name)


def series_path(data_dir: Path, name: str, kind: str) -> Path:
    return package_dir(data_dir, name) / f"{kind}.csv"


def list_packages(data_dir: Path) -> list[str]:
    """Normalized names of the packages that have history in `data_dir`."""
    if not data_dir.is_dir():
        return []
    return sorted(
        p.name
        for p in data_dir.iterdir()
        if p.is_dir()
        and not p.is_symlink()
        and not p.name.startswith(("_", "."))
        and _holds_counts(p)
    )


def has_history(data_dir: Path, name: str) -> bool:
    directory = package_dir(data_dir, name)
    return directory.is_dir() and _holds_counts(directory)


def _holds_counts(directory: Path) -> bool:
    """A history file of some kind is there (releases.csv alone is not download history)."""
    return any((directory / f"{kind}.csv").is_file() for kind in ALL_KINDS)


def is_sample(data_dir: Path) -> bool:
    return (data_dir / META_DIR / SAMPLE_MARKER).is_file()
