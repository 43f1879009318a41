"""Edits to packages.yaml that keep its comments and layout (round-trip YAML)."""

from __future__ import annotations

import io
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from generator.errors import Problem, UsageError
from generator.names import is_valid_name, normalize


def add_package(text: str, path: Path, name: str, group: str | None, note: str | None) -> str:
    """Pure: `text` with a package added at its sorted place (by normalized name).

    The list is kept sorted; comments and the rest of the file are kept as they are.
    """
    if not is_valid_name(name):
        raise UsageError(
            f"`{name}` is not a valid PyPI project name (PEP 508: letters, digits, "
            "and . _ - between them)"
        )
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    document = yaml.load(text) if text.strip() else None
    if document is None:
        document = CommentedMap()
    packages = document.get("packages")
    if packages is None:
        packages = CommentedSeq()
        document["packages"] = packages
    entry = CommentedMap()
    entry["name"] = name
    if group:
        entry["group"] = group
    if note:
        entry["note"] = note
    wanted = normalize(name)
    names = [normalize(str(item.get("name", ""))) for item in packages]
    if wanted in names:
        line = packages[names.index(wanted)].lc.line + 1
        raise UsageError(str(Problem(path, line, f"`{name}` is already tracked")))
    position = next((i for i, n in enumerate(names) if n > wanted), len(names))
    packages.insert(position, entry)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()
