"""`make demo`'s command: deterministic sample history → a site marked as sample."""

from __future__ import annotations

from generator.store import list_packages, read_series
from tests.cli_helpers import run_cli, snapshot


def test_demo_builds_a_site_from_deterministic_sample_data_marked_as_sample(tmp_path):
    first = tmp_path / "one"
    result = run_cli("demo", "--out", first, "--years", "1")
    assert result.returncode == 0, result.stderr
    assert len(list_packages(first / "data")) == 8
    overall = read_series(first / "data" / "acme-http" / "overall.csv")
    assert max(d for d, _ in overall) == "2026-11-20"
    minor = read_series(first / "data" / "acme-http" / "python_minor.csv")
    assert ("2026-11-20", "3.10") in minor  # kept as a string, never 3.1

    pages = sorted((first / "site").rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        assert "sample data" in page.read_text().lower(), page

    second = tmp_path / "two"
    assert run_cli("demo", "--out", second, "--years", "1").returncode == 0
    assert snapshot(first / "data") == snapshot(second / "data")
