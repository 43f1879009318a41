"""`update` (fetch, then build) and the progress report that long work shows."""

from __future__ import annotations

import io
import json
import logging

from generator.progress import LineClearingHandler, progress
from tests.cli_helpers import PYPISTATS_ONLY, run_cli
from tests.servers.pypistats_replay import ReplayServer

NO_CREDENTIALS = {"GOOGLE_APPLICATION_CREDENTIALS": "", "BIGQUERY_API_ENDPOINT": ""}


def test_update_fetches_then_builds_and_a_failed_package_still_leaves_a_site(realdata, tmp_path):
    config = tmp_path / "packages.yaml"
    config.write_text(
        PYPISTATS_ONLY + "packages:\n  - name: purl2src\n  - name: vulnq\n  - name: no-such-pkg\n"
    )
    with ReplayServer(realdata, snapshot="2026-08-22") as server:
        result = run_cli(
            "update",
            "--config",
            config,
            "--data-dir",
            tmp_path / "data",
            "--api-url",
            server.url,
            "--out",
            tmp_path / "site",
            "--timeout",
            "5",
            env=NO_CREDENTIALS,
        )
    assert result.returncode == 1, result.stderr  # one package failed: partial failure
    assert "no-such-pkg" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    recent = json.loads((tmp_path / "site/api/packages/purl2src/recent.json").read_text())
    assert recent["type"] == "recent_downloads" and recent["data"]["last_month"] > 0
    assert (tmp_path / "site/packages/vulnq/index.html").is_file()
    assert (tmp_path / "data/purl2src/overall.csv").is_file()
    assert not (tmp_path / "data/no-such-pkg").exists()


def test_progress_is_plain_log_lines_when_not_on_a_terminal(caplog):
    caplog.set_level(logging.INFO, logger="generator.progress")
    out = io.StringIO()
    assert list(progress(["a", "b"], 2, "fetch", stream=out)) == ["a", "b"]
    assert [r.getMessage() for r in caplog.records] == ["fetch 1/2 a", "fetch 2/2 b"]
    assert out.getvalue() == ""


def test_progress_is_a_bar_on_a_terminal(caplog):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    caplog.set_level(logging.INFO, logger="generator.progress")
    out = Terminal()
    list(progress(["a", "b"], 2, "fetch", stream=out))
    assert "[" in out.getvalue() and "2/2" in out.getvalue() and out.getvalue().endswith("\n")
    assert "\r" in out.getvalue()
    assert caplog.records == []


def test_help_lists_every_command_and_each_command_explains_itself():
    top = run_cli("--help")
    assert top.returncode == 0
    for command in ("validate", "add", "fetch", "import", "build", "update", "demo"):
        assert f"\n    {command} " in top.stdout, command
    assert "exit status: 0 success, 1 some packages failed" in top.stdout
    expected = {
        "validate": ["--config FILE", "--data-dir DIR"],
        "add": ["--group", "--note", "keeps its comments"],
        "fetch": ["--package NAME", "--api-url URL", "--requests-per-minute N", "Exit status"],
        "import": ["FILE", "--kind", "`recent` response", "is refused"],
        "update": ["--api-url URL", "--out DIR", "--base-url URL"],
        "demo": ["--out DIR", "--years N", "--serve", "--port PORT", "no network"],
    }
    for command, phrases in expected.items():
        result = run_cli(command, "--help")
        assert result.returncode == 0, command
        text = " ".join(result.stdout.split())  # argparse wraps lines
        for phrase in phrases:
            assert phrase in text, (command, phrase)


def test_an_unwritable_output_path_is_reported_without_a_traceback(tmp_path):
    config = tmp_path / "packages.yaml"
    config.write_text(PYPISTATS_ONLY + "packages:\n  - name: purl2src\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_cli(
        "build", "--config", config, "--data-dir", tmp_path / "data", "--out", blocker / "site"
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"error: {blocker / 'site'}: Not a directory. Check that the path exists" in (
        result.stderr
    )


def test_a_log_line_on_a_terminal_clears_the_half_drawn_bar_first():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, plain = Terminal(), io.StringIO()
    for stream in (terminal, plain):
        handler = LineClearingHandler(stream)
        record = logging.LogRecord("generator", logging.WARNING, "", 0, "retry 1 of 4", (), None)
        stream.write("\rfetch [###.....] 2/8 numpy")
        handler.emit(record)
    assert terminal.getvalue().endswith("numpy\r\033[Kretry 1 of 4\n")
    assert plain.getvalue().endswith("numpyretry 1 of 4\n")
