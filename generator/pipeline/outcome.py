"""What a use case hands back to its command: the lines to print and the exit status."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.errors import EXIT_OK


@dataclass
class Outcome:
    exit_code: int = EXIT_OK
    report: list[str] = field(default_factory=list)  # the final summary, for stdout

    def text(self) -> str:
        return "\n".join(self.report)
