"""Edits to packages.yaml that keep its comments and layout (round-trip YAML)."""

from __future__ import annotations

import io
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.tokens import CommentToken

from generator.errors import Problem, UsageError
from generator.names import is_valid_name, normalize


class CannotEdit(Exception):
    """The file's shape is not one `add` can edit safely (the validator says why)."""


def add_package(text: str, path: Path, name: str, group: str | None, note: str | None) -> str:
    """Pure: `text` with a package added at its sorted place (by normalized name).

    The list is kept sorted; comments and the rest of the file are kept as they are. A file
    with no `packages:` yet (or an empty one, or no file at all: `text` is "") gets one.
    """
    if not is_valid_name(name):
        raise UsageError(
            f"`{name}` is not a valid PyPI project name (PEP 508: letters, digits, "
            "and . _ - between them)"
        )
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    try:
        document = yaml.load(text) if text.strip() else None
    except YAMLError as exc:
        raise CannotEdit(str(exc)) from None
    if document is None:
        document = CommentedMap()
    if not isinstance(document, CommentedMap):
        raise CannotEdit("the top level is not a mapping")
    packages = document.get("packages")
    if not packages:  # missing, `packages:` with nothing, or `packages: []`
        packages = CommentedSeq()
        document["packages"] = packages
    if not isinstance(packages, CommentedSeq):
        raise CannotEdit("`packages:` is not a list")
    names = []
    for item in packages:
        if not isinstance(item, CommentedMap):
            raise CannotEdit("a package is not a mapping")
        names.append(normalize(str(item.get("name", ""))))
    wanted = normalize(name)
    if wanted in names:
        line = packages[names.index(wanted)].lc.line + 1
        raise UsageError(str(Problem(path, line, f"`{name}` is already tracked")))
    entry = CommentedMap()
    entry["name"] = name
    if group:
        entry["group"] = group
    if note:
        entry["note"] = note
    position = next((i for i, n in enumerate(names) if n > wanted), len(names))
    if position == len(names) and names:
        _move_trailing_comment(packages[-1], entry)
    packages.insert(position, entry)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _move_trailing_comment(last: CommentedMap, entry: CommentedMap) -> None:
    """Comments below the list belong below it, not between its last two items.

    ruamel.yaml hangs everything after the last item (blank lines, a comment about the
    next setting) on that item's last key; when appending, it moves to the new entry.
    The old last item keeps its own end-of-line comment.
    """
    if not last:
        return
    key = list(last.keys())[-1]
    slots = last.ca.items.get(key)
    token = slots[2] if slots and len(slots) > 2 else None
    if not isinstance(token, CommentToken):
        return
    value = str(token.value)
    if value.startswith("#"):
        own, _, rest = value.partition("\n")
        if not rest:
            return
        token.value = own + "\n"
        moved = "\n" + rest
    else:
        slots[2] = None
        moved = value
    entry.ca.items[list(entry.keys())[-1]] = [
        None,
        None,
        CommentToken(moved, CommentMark(0), None),
        None,
    ]
