"""What a use case hands back to its command: the lines to print and the exit status.

`markdown(title)` is the same outcome as a section of GitHub's job summary: the command
appends it to the file GITHUB_STEP_SUMMARY names (`append_step_summary`), when set.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import EXIT_OK, EXIT_PARTIAL

log = logging.getLogger(__name__)

STEP_SUMMARY = "GITHUB_STEP_SUMMARY"
"""The variable GitHub Actions sets to the file a step appends its Markdown summary to."""
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")


@dataclass
class Outcome:
    exit_code: int = EXIT_OK
    report: list[str] = field(default_factory=list)  # the final summary, for stdout
    summary_md: str = ""  # Markdown for the job summary; empty: rendered from `report`

    def text(self) -> str:
        return "\n".join(self.report)

    def markdown(self, title: str) -> str:
        """The outcome as a Markdown section: a heading with the status, then the report,
        its indented lines (the failed packages and why) as a list."""
        if self.summary_md:
            return self.summary_md
        status = {EXIT_OK: "done", EXIT_PARTIAL: "some packages failed"}.get(
            self.exit_code, "error"
        )
        lines = [f"### {md_escape(title)}: {status} (exit {self.exit_code})", ""]
        for line in "\n".join(self.report).splitlines():
            if line.startswith("  "):
                lines.append(f"- {md_escape(line.strip())}")
            elif line.strip():
                lines += ["", md_escape(line), ""]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def md_escape(text: str) -> str:
    """`text` as literal Markdown: the characters that would format it escaped."""
    return _SPECIAL.sub(r"\\\1", text)


def append_step_summary(markdown: str, environ: Mapping[str, str]) -> bool:
    """Append `markdown` to the job summary file when GITHUB_STEP_SUMMARY names one; a
    summary that cannot be written is a warning, never a failure of the command."""
    target = environ.get(STEP_SUMMARY, "")
    if not target or not markdown:
        return False
    try:
        with Path(target).open("a", encoding="utf-8") as handle:
            handle.write(markdown.rstrip("\n") + "\n\n")
    except OSError as exc:
        log.warning("the job summary (%s) could not be written: %s", target, exc.strerror)
        return False
    return True
