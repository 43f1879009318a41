from __future__ import annotations

from pathlib import Path

import pytest

from generator.names import (
    MAX_NAME_LENGTH,
    RULE,
    is_valid_name,
    name_problem,
    normalize,
    quoted,
    safe_dir,
)


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("Django", "django"),
        ("Foo_Bar", "foo-bar"),
        ("zope.interface", "zope-interface"),
        ("A__B--C..d", "a-b-c-d"),
        ("ruamel.yaml", "ruamel-yaml"),
    ],
)
def test_pep503_normalisation(name, normalized):
    assert normalize(name) == normalized


@pytest.mark.parametrize("name", ["a", "requests", "zope.interface", "A1", "x_y-z.w"])
def test_valid_pep508_names(name):
    assert is_valid_name(name)


@pytest.mark.parametrize("name", ["", "..", "../x", "a/b", "a b", "-a", "a-", ".a", "a\\b", "é"])
def test_invalid_names(name):
    assert not is_valid_name(name)


@pytest.mark.parametrize("name", ["..", "../etc", "a/../../b", "/abs", "."])
def test_no_name_escapes_the_data_directory(tmp_path: Path, name):
    with pytest.raises(ValueError):
        safe_dir(tmp_path, name)


def test_safe_dir_uses_the_normalized_name(tmp_path: Path):
    assert safe_dir(tmp_path, "Foo.Bar") == tmp_path / "foo-bar"


@pytest.mark.parametrize(
    "name",
    [
        "requeſts",  # U+017F: re.IGNORECASE alone matches it against [a-z]
        "İnflect",  # U+0130, the same
        "K" + "\u212a",  # the Kelvin sign, the same
        "requests\n",  # `$` matches before a trailing newline
        "a" * (MAX_NAME_LENGTH + 1),
        "a" * 300,
    ],
)
def test_only_ascii_names_of_bounded_length_without_a_newline_are_valid(name):
    """Each of these passed the old pattern (re.IGNORECASE, `$`, no length bound)."""
    assert not is_valid_name(name)
    problem = name_problem(name)
    assert problem is not None and "is not a valid PyPI project name" in problem
    assert "\n" not in problem and "\r" not in problem and "\u2028" not in problem


def test_names_up_to_the_bound_are_valid_and_fit_a_directory_name(tmp_path: Path):
    longest = "a" + "-" * (MAX_NAME_LENGTH - 2) + "b"
    assert is_valid_name(longest) and not is_valid_name(longest + "c")
    assert len(safe_dir(tmp_path, longest).name.encode()) < 255


def test_a_refused_name_says_which_character_and_the_rule():
    assert name_problem("requeſts") == (
        "`requeſts` is not a valid PyPI project name: `ſ` (U+017F, latin small letter long "
        f"s) is not allowed ({RULE})"
    )
    assert name_problem("requests\n") == (
        "'requests\\n' is not a valid PyPI project name: remove the whitespace or line "
        f"break at its start or end ({RULE})"
    )
    assert "it is 300 characters long" in str(name_problem("a" * 300))
    assert name_problem(7) == "`7` is not a valid PyPI project name: it must be text"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("requests", "`requests`"),
        ("x\n::error::forged", "'x\\n::error::forged'"),
        ("a`b", "'a`b'"),
        ("\u202eevil", "'\\u202eevil'"),
        ("ſ", "`ſ`"),
        ("a" * 100, "`" + "a" * 60 + "...` (100 characters)"),
        ("\n" * 100, "'" + "\\n" * 60 + "...' (100 characters)"),
    ],
)
def test_quoted_values_stay_on_one_short_line(value, shown):
    assert quoted(value) == shown
