"""Where a reader of the site gets a package's history CSVs: the one rule for every link.

On a site that knows its GitHub repository (the `repository_url` setting, or the
repository the GitHub Actions job runs in, as the nightly deploy does), the links point at
the repository's own files, `https://raw.githubusercontent.com/<owner>/<repo>/HEAD/data/
<name>/<kind>.csv`, plain CSV as committed, and site/ holds no copy of them: the history
would otherwise be published twice, and a 1,000-package, 10-year site would not fit in
GitHub Pages' 1 GB. Anywhere else (a local build, `make demo`, a repository that is not on
github.com) the build publishes copies in site/data/<name>/ and the links are relative.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from generator import config_rules

RAW_FILES = "https://raw.githubusercontent.com"
_GITHUB_HOSTS = ("github.com", "www.github.com")


def raw_files_url(repository: str) -> str:
    """The address of the files of the default branch (`HEAD`) of `repository`, ending in
    "/", when it is a github.com repository (`https://github.com/<owner>/<repo>`); else ""."""
    parts = urlsplit(repository)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme != "https" or parts.hostname not in _GITHUB_HOSTS or len(segments) != 2:
        return ""
    owner, repo = segments[0], segments[1].removesuffix(".git")
    return f"{RAW_FILES}/{owner}/{repo}/HEAD/" if owner and repo else ""


def history_home(setting: str, environ: Mapping[str, str] | None = None) -> str:
    """Where the history files are read: the repository's raw files ("…/HEAD/"), or ""
    when the site publishes its own copies (config_rules.repository_url decides which
    repository the site knows)."""
    return raw_files_url(
        config_rules.repository_url(setting, os.environ if environ is None else environ)
    )


def history_folder(home: str, root: str, normalized: str) -> str:
    """The folder of a package's history files, ending in "/": in the repository when
    `home` is its raw files' address, else the site's copies (relative to `root`)."""
    return f"{home or root}data/{normalized}/"


def history_url(home: str, root: str, normalized: str, kind: str) -> str:
    """The address of one history file (`<kind>.csv`) of a package (history_folder)."""
    return f"{history_folder(home, root, normalized)}{kind}.csv"
