"""Update: fetch, then build the site from what is stored (the nightly job)."""

from __future__ import annotations

from pathlib import Path

from generator import store
from generator.config import load_config
from generator.errors import EXIT_OK, EXIT_PARTIAL
from generator.pipeline.fetch import FetchRequest, fetch
from generator.pipeline.outcome import Outcome


def update(
    config_path: Path, data_dir: Path, request: FetchRequest, out: Path, base_url: str | None
) -> Outcome:
    """Fetch; then, unless fetching could not start at all, build what is stored.

    A partial fetch (some packages failed) still builds: what succeeded is published,
    and the run exits 1 so the failures are seen.
    """
    from generator.site.build import build_site  # heavy imports (altair) only when building

    config = load_config(config_path)
    with store.locked(data_dir, "update"):  # the build after it only reads: no lock
        outcome = fetch(config, data_dir, request)
    if outcome.exit_code in (EXIT_OK, EXIT_PARTIAL):
        build_site(config, data_dir, out, base_url)
    return outcome
