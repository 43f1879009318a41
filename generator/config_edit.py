"""packages.yaml as a file: read and composed within bounds, and edited keeping its comments.

The file arrives in pull requests from strangers, so reading it is bounded: at most
MAX_CONFIG_BYTES are read, YAML nesting stops at MAX_DEPTH (the composers recurse), and
aliases (`*name`, the "billion laughs") are refused. `generator.config` validates what
`compose_text` gives it; `add_package` edits only a file that passed the same bounds.
"""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.tokens import CommentToken

from generator.config_settings import TEXT_LIMITS, text_problem
from generator.errors import ConfigError, Problem, UsageError
from generator.names import name_problem, normalize

MAX_CONFIG_BYTES = 2**20
"""1 MiB, about 20,000 packages; a bigger file is refused before YAML reads it."""
MAX_DEPTH = 20
"""packages.yaml nests three levels (mapping, list, mapping)."""
_LINE_BREAKS = {"\x85": "U+0085", "\u2028": "U+2028", "\u2029": "U+2029"}


def read_config_text(path: Path, *, missing_ok: bool = False) -> str:
    """The text of packages.yaml (at most MAX_CONFIG_BYTES); a file we cannot read is a
    ConfigError saying why. With `missing_ok`, a missing file reads as empty (for `add`)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        if missing_ok:
            return ""
        raise _error(
            path,
            0,
            "file not found. Run from the repository root, pass --config FILE, "
            "or create it with `python -m generator add NAME`",
        ) from None
    except IsADirectoryError:
        raise _error(
            path, 0, "is a directory; pass --config with the path of packages.yaml"
        ) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise _error(path, 0, f"cannot read the file ({reason}); check its permissions") from None
    if len(data) > MAX_CONFIG_BYTES:
        line = data[:MAX_CONFIG_BYTES].count(b"\n") + 1
        raise _error(
            path,
            line,
            f"the file passes {MAX_CONFIG_BYTES // 2**20} MiB here; packages.yaml holds settings "
            "and a list of packages (a few dozen bytes each): remove what is neither",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _error(path, line, "not UTF-8 text; save the file with UTF-8 encoding") from None


def _error(path: Path, line: int, message: str) -> ConfigError:
    return ConfigError([Problem(path, line, message)])


# ---------------------------------------------------------------- composing, bounded


class _Refused(yaml.YAMLError):
    """A document we will not compose (too deep, an alias), at a line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _BoundedLoader(yaml.SafeLoader):
    """YAML's safe loader, composing only: aliases are refused and nesting is bounded
    (the composer recurses once per level: 3,000 levels would be a RecursionError)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        line = int(event.start_mark.line) + 1
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(line, "aliases (`*name`) are not allowed here; write the value out")
        if self.depth >= MAX_DEPTH:
            raise _Refused(
                line,
                f"nested more than {MAX_DEPTH} levels deep; packages.yaml "
                "needs three (settings, the packages list, one package)",
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def compose_text(text: str, path: Path) -> yaml.Node | Problem | None:
    """The YAML node tree of `text` (None when it holds no document), or the problem that
    stops it being read: a hidden line break, a control character, bad YAML, too deep."""
    for char, code in _LINE_BREAKS.items():
        if char in text:
            line = text[: text.index(char)].count("\n") + 1
            return Problem(
                path,
                line,
                f"contains the line separator {code}, which YAML reads "
                "as a line break and editors do not show; remove it",
            )
    try:
        return yaml.compose(text, Loader=_BoundedLoader)
    except _Refused as exc:
        return Problem(path, exc.line, exc.message)
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        return Problem(
            path,
            line,
            f"contains the control character U+{exc.character:04X}, "
            "which YAML does not allow; remove it",
        )
    except yaml.YAMLError as exc:
        return _yaml_problem(exc, path)


def _yaml_problem(exc: yaml.YAMLError, path: Path) -> Problem:
    """PyYAML's own reason, on one line; never the excerpt of the file it would print."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 0
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    reason = ", ".join(str(part) for part in parts if part) or "the YAML cannot be read"
    reason = reason if reason.isprintable() else ascii(reason)
    if "'\\t'" in reason:
        reason += "; YAML indents with spaces: replace the tabs"
    return Problem(path, line, f"not valid YAML: {reason}")


# ---------------------------------------------------------------- editing


class CannotEdit(Exception):
    """The file's shape is not one `add` can edit safely (the validator says why)."""


def add_package(text: str, path: Path, name: str, group: str | None, note: str | None) -> str:
    """Pure: `text` with a package added at its sorted place (by normalized name).

    The list is kept sorted; comments and the rest of the file are kept as they are. A file
    with no `packages:` yet (or an empty one, or no file at all: `text` is "") gets one.
    """
    _check_arguments(name, group, note)
    editor = YAML()
    editor.preserve_quotes = True
    editor.indent(mapping=2, sequence=4, offset=2)
    document = _document(editor, text, path)
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
    editor.dump(document, out)
    return out.getvalue()


def _check_arguments(name: str, group: str | None, note: str | None) -> None:
    """The name, group and note of `add` follow the rules `validate` applies to the file."""
    problem = name_problem(name)
    if problem is not None:
        raise UsageError(problem)
    for option, value in (("group", group), ("note", note)):
        why = text_problem(value, TEXT_LIMITS[option]) if value else None
        if why is not None:
            raise UsageError(f"--{option} {why}")


def _document(editor: YAML, text: str, path: Path) -> CommentedMap:
    """The round-trip document of `text`, read only once it passed the bounds of
    `compose_text` (ruamel.yaml's composer recurses too)."""
    bounded = compose_text(text, path)
    if isinstance(bounded, Problem):
        raise CannotEdit(bounded.message)
    try:
        document = editor.load(text) if text.strip() else None
    except (YAMLError, ValueError, RecursionError) as exc:
        raise CannotEdit(str(exc)) from None
    if document is None:
        return CommentedMap()
    if not isinstance(document, CommentedMap):
        raise CannotEdit("the top level is not a mapping")
    return document


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
