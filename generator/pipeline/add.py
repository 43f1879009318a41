"""Add a package to packages.yaml, keeping the list sorted and the file's comments."""

from __future__ import annotations

import logging
from pathlib import Path

from generator.config import parse_config, read_config_text
from generator.config_edit import CannotEdit, add_package
from generator.errors import ConfigError
from generator.pipeline.outcome import Outcome
from generator.store import write_text_atomic

log = logging.getLogger(__name__)


def add(config_path: Path, name: str, group: str | None, note: str | None) -> Outcome:
    """Add `name`; a file with problems other than "no packages yet" is not edited."""
    existed = config_path.exists()
    text = read_config_text(config_path, missing_ok=True)
    _, before = parse_config(text, config_path)
    try:
        new_text = add_package(text, config_path, name, group, note)
    except CannotEdit:
        raise ConfigError(before) from None
    _, after = parse_config(new_text, config_path)
    if after:
        # Adding a package fixes only "no packages yet"; anything else was already wrong.
        raise ConfigError(before or after)
    write_text_atomic(config_path, new_text)
    if existed:
        log.info("added %s to %s", name, config_path)
    else:
        log.info("created %s, tracking %s", config_path, name)
    return Outcome()
