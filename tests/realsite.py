"""A site built from the real recorded histories in ../shared/realdata, as a user would.

Every file goes through the real command line (`python -m generator import ...`, then
`python -m generator build`), so the site is what a new user would get from the same
files. The packages:

- icepyx: five years of pypistats `/overall` accumulated by its maintainers (zero-download
  days are absent: pypistats.org leaves out rows whose count is 0). Its
  sys_downloads_data.csv has duplicate keys and is refused by `import`, which is correct:
  icepyx has no Python-versions or systems data.
- heudiconv: one byte-exact `/overall` response, with the 2023-01-24 outage.
- osslili, upmex, purl2src, binarysniffer: the SemClone dashboard's three snapshots,
  imported in date order (overall, python_minor, system).

Use it with `from tests.realsite import real_site  # noqa: F401` and a `real_site` argument.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import synthetic
from tests.cli_helpers import run_cli

SEMCLONE = ("osslili", "upmex", "purl2src", "binarysniffer")
REAL_PACKAGES = ("icepyx", "heudiconv", *SEMCLONE)


def _run(*args: str | Path, expect: int = 0) -> None:
    result = run_cli(*args)
    assert result.returncode == expect, (args, result.stdout, result.stderr)


def build_real_site(realdata: Path, root: Path) -> Path:
    """Import the real histories into root/data and build root/site; return the site."""
    config = synthetic.write_config(root / "packages.yaml", [(p, None) for p in REAL_PACKAGES])
    data = root / "data"
    common = ("--config", config, "--data-dir", data)
    icepyx = realdata / "icesat2py-icepyx"
    _run("import", *common, "icepyx", icepyx / "downloads_data.csv")
    _run("import", *common, "icepyx", icepyx / "sys_downloads_data.csv", expect=1)
    _run("import", *common, "heudiconv", realdata / "nipy-heudiconv" / "pypistats.json")
    snapshots = sorted((realdata / "semclone-status" / "extracted").iterdir())
    for snapshot in snapshots:
        for pkg in SEMCLONE:
            files = [snapshot / pkg / f"{k}.json" for k in ("overall", "python_minor", "system")]
            present = [f for f in files if f.is_file()]
            if present:
                _run("import", *common, pkg, *present)
    site = root / "site"
    _run("build", *common, "--out", site)
    return site


@pytest.fixture(scope="session")
def real_site(realdata: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site dir of the real histories (skips where ../shared is absent)."""
    return build_real_site(realdata, tmp_path_factory.mktemp("real-site"))
