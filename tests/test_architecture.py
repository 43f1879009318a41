"""The layering contract of docs/ARCHITECTURE.md, checked on the source itself.

Every import in generator/ (lazy ones inside functions included) must point down the
layer order, there is no import cycle, each rule has one home, and modules and functions
stay small enough to read.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "generator"

# Lowest first. A module may import modules of its own layer or a lower one (never a
# higher one); test_no_import_cycles keeps imports inside one layer from going in circles.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("model", "errors", "names", "units", "dates", "rows", "progress", "resources", "__init__"),
    (
        "config",
        "config_edit",
        "config_settings",
        "config_rules",
        "derive",
        "stats",
        "sample",
        "impact",
        "milestones",
        "reports",
    ),
    ("store",),
    ("sources",),
    ("site", "badges", "badge_svg"),
    ("pipeline",),
    ("commands",),
    ("cli", "__main__"),
)
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50
LONG_OK = "# long:"  # a comment on the def line, or just above it, says why


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def top(name: str) -> str:
    """The layer key of a module: its first part below generator."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def layer_of(name: str) -> int:
    key = top(name)
    for rank, keys in enumerate(LAYERS):
        if key in keys:
            return rank
    raise AssertionError(f"{name}: not in any layer of tests/test_architecture.py")


def imports(name: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported generator module) for every import in the file, lazy ones too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    known = modules()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("generator"):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("generator"):
                continue
            for alias in node.names:  # `from generator.x import y`: y may be a module
                candidate = f"{node.module}.{alias.name}"
                yield node.lineno, candidate if candidate in known else node.module


def test_every_module_sits_in_a_layer() -> None:
    for name in modules():
        layer_of(name)


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for name, path in modules().items():
        for line, target in imports(name, path):
            if target == name or target == "generator":
                continue
            if layer_of(target) > layer_of(name):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {name} → {target}")
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_no_import_cycles() -> None:
    graph = {
        name: {t for _, t in imports(name, path) if t != name and t != "generator"}
        for name, path in modules().items()
    }
    visiting: list[str] = []
    done: set[str] = set()
    cycles: list[str] = []

    def visit(node: str) -> None:
        if node in done:
            return
        if node in visiting:
            cycles.append(" → ".join([*visiting[visiting.index(node) :], node]))
            return
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            visit(target)
        visiting.pop()
        done.add(node)

    for name in sorted(graph):
        visit(name)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_modules_are_imported_by_name_except_in_the_command_registry() -> None:
    """importlib.import_module hides an import from readers and from the checks above."""
    users = [
        str(path.relative_to(PACKAGE.parent))
        for name, path in modules().items()
        if re.search(r"import_module|__import__", path.read_text(encoding="utf-8"))
        and name != "generator.cli"
    ]
    assert not users, f"modules imported through importlib outside cli.py: {users}"


def test_only_commands_read_the_argparse_namespace() -> None:
    users = [
        f"{path.relative_to(PACKAGE.parent)}:{n}"
        for name, path in modules().items()
        if not name.startswith("generator.commands")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"getattr\(args|argparse\.Namespace", line)
    ]
    assert not users, f"the argparse Namespace outside commands/: {users}"


def test_commands_only_parse_and_call() -> None:
    """No engine code in commands/: each module is argument definitions and a short run()."""
    for name, path in modules().items():
        if not name.startswith("generator.commands.") or name.endswith("__init__"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == "run":
                assert node.end_lineno is not None
                assert node.end_lineno - node.lineno < 15, f"{path}: run() does more than call"


def definitions(pattern: str) -> list[str]:
    """Module-level functions, classes and constants in generator/ whose name matches."""
    found = []
    for name, path in modules().items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level
            names: list[str] = []
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names = [node.name]
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
            found += [f"{name}.{n}" for n in names if re.fullmatch(pattern, n)]
    return found


@pytest.mark.parametrize(
    ("pattern", "home"),
    [
        (r"python_major_from_minor|with_python_major", "generator.derive"),
        (r"recent|recent_of_daily|RECENT_WINDOWS|RECENT", "generator.derive"),
        (r"parse|serialize|parse_fast|parse_tail|HEADER", "generator.store.csvformat"),
    ],
)
def test_each_rule_has_one_home(pattern: str, home: str) -> None:
    places = definitions(pattern)
    if "HEADER" in pattern:  # other files (the run logs, provenance) have formats of their own
        own = (
            "generator.store.runlog",
            "generator.store.clickhouse_log",
            "generator.store.provenance",
            "generator.store.releases",
        )
        places = [p for p in places if not p.startswith(own)]
        places = [p for p in places if not p.startswith("generator.sources.")]
    assert places and all(p.startswith(home + ".") for p in places), places


def test_the_history_header_is_written_in_one_place() -> None:
    holders = [
        str(path.relative_to(PACKAGE.parent))
        for path in modules().values()
        if 'date,category,downloads"' in path.read_text(encoding="utf-8")
        or "'date,category,downloads'" in path.read_text(encoding="utf-8")
    ]
    assert holders == ["generator/store/csvformat.py"], holders


def _long_ok(lines: list[str], node: ast.AST) -> bool:
    lineno = getattr(node, "lineno", 1)
    decorators = getattr(node, "decorator_list", [])
    first = min([lineno, *(d.lineno for d in decorators)])
    return any(LONG_OK in lines[i - 1] for i in range(max(first - 1, 1), lineno + 1))


def test_modules_and_functions_stay_small() -> None:
    too_long = []
    for path in modules().values():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        where = path.relative_to(PACKAGE.parent)
        if len(lines) > MAX_MODULE_LINES and LONG_OK not in "\n".join(lines[:15]):
            too_long.append(f"{where}: {len(lines)} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES and not _long_ok(lines, node):
                    too_long.append(f"{where}:{node.lineno}: {node.name}() is {length} lines")
    assert not too_long, "\n".join(too_long)
