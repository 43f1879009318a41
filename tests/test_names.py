from __future__ import annotations

from pathlib import Path

import pytest

from generator.names import is_valid_name, normalize, safe_dir


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
