"""`make demo`'s command: deterministic sample history → a site marked as sample."""

from __future__ import annotations

import socket

from generator.store import list_packages, read_series
from generator.store import releases as stored_releases
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
    # the sample's releases are the versions its version history moves to, so the demo
    # shows release markers and impact figures
    releases = stored_releases.read(first / "data", "acme-http")
    versions = {c for _, c in read_series(first / "data" / "acme-http" / "version.csv")}
    finals = [r for r in releases if "rc" not in r.version and r.version.endswith(".0")]
    assert finals and {r.version for r in finals} <= versions
    assert any("rc" in r.version for r in releases)
    page = (first / "site" / "packages" / "acme-http" / "index.html").read_text()
    assert "data-releases-table" in page and "data-releases-toggle" in page

    pages = sorted((first / "site").rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        assert "sample data" in page.read_text().lower(), page

    second = tmp_path / "two"
    assert run_cli("demo", "--out", second, "--years", "1").returncode == 0
    assert snapshot(first / "data") == snapshot(second / "data")


def test_demo_says_what_to_do_when_the_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("demo", "--out", tmp_path, "--years", "1", "--serve", "--port", port)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr
    assert "make demo PORT=8001" in result.stderr
    assert (tmp_path / "site" / "index.html").is_file()  # built before serving
