"""Shared fixtures: real recorded data from ../shared/realdata and Debian's chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.realsite import real_site  # noqa: F401  (real_url needs it wherever it is used)

REPO = Path(__file__).resolve().parent.parent
REALDATA = Path(os.environ.get("REALDATA_DIR", REPO.parent / "shared" / "realdata"))
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = REPO / "tests" / "artifacts"

# What a GitHub Actions job sets (tests.yml runs the suite in one): a site built there links
# to that repository's history files instead of copying them (site.history_links). Every
# build in the tests is a local one unless a test sets these itself.
NO_GITHUB = ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_STEP_SUMMARY", "NOTIFY_WEBHOOK_URL")


def pytest_configure(config: pytest.Config) -> None:
    for name in NO_GITHUB:
        os.environ.pop(name, None)


# Flags that keep Chromium off the network: this machine has none, and tests must not try.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not (REALDATA / "SOURCES.md").is_file():
        pytest.skip(
            f"real recorded data not found at {REALDATA}: these tests need ../shared/realdata "
            "(set REALDATA_DIR to point elsewhere)"
        )
    return REALDATA


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    """One headless Debian chromium per test session, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def real_url(real_site: Path) -> Iterator[str]:  # noqa: F811
    """The site of the real histories (tests/realsite.py) served at /repo/, as on Pages."""
    from tests.servers.static_site import serve

    with serve(real_site, "/repo/") as url:
        yield url
