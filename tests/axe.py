"""axe-core in a Playwright page: inject node_modules/axe-core/axe.min.js, run it, return the
violations (scripts/ensure-test-tools.sh installs it from npm; nothing is downloaded here)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import REPO

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def axe_source() -> str:
    if not AXE.is_file():
        pytest.skip(f"{AXE} not found: run `bash scripts/ensure-test-tools.sh` (npm axe-core)")
    return AXE.read_text(encoding="utf-8")


def violations(page: Any, source: str | None = None) -> list[dict[str, Any]]:
    """Every axe-core violation of the page as it is now (WCAG 2.x A and AA, and best
    practices): [{id, impact, help, nodes: [{target, html, summary}]}]."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=source or axe_source())
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
          const result = await axe.run(document, {
            runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
            resultTypes: ["violations"],
          });
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({ target: n.target.join(" "), html: n.html.slice(0, 160),
                                       summary: n.failureSummary })),
          }));
        }"""
    )
    return found


def serious(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in found if v["impact"] in SERIOUS]


def describe(found: list[dict[str, Any]]) -> str:
    """One line per violation and node, for an assertion message or the test's output."""
    lines = []
    for v in found:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(
            f"    {n['target']}: {n['html']}\n      {n['summary']}" for n in v["nodes"][:5]
        )
    return "\n".join(lines)
