"""The wheel installs and renders: built from a clean copy, installed into a fresh venv.

The runtime dependencies come from the dev venv through a .pth file (no network), but the
generator package itself must be the wheel's copy, not the editable checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

# The only line that differs between two builds of the same data: the footer's build time.
BUILT = re.compile(rb"Built \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")
# ... and summary.json's timestamp, the same moment to the second.
STAMP = re.compile(rb'"timestamp":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"')
PACKAGE_PAGE = Path("site") / "packages" / "acme-http" / "index.html"
# Root directories the wheel carries inside the package (pyproject.toml's package-dir).
IN_PACKAGE = {"templates/": "generator/_templates/", "content/": "generator/_content/"}


def _env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    # A cache of its own per build, so each renders the chart scripts with its own code.
    env.update(XDG_CACHE_HOME=str(cache), PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def _run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _project_files() -> list[str]:
    """What a clean clone would hold, with the working tree's uncommitted changes: tracked
    files that still exist plus new files that are not ignored."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs a git checkout (the wheel is built from the files git lists)")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({f for f in listed.split("\0") if f and (REPO / f).is_file()})


def _in_wheel(name: str) -> str:
    for root, packaged in IN_PACKAGE.items():
        if name.startswith(root):
            return packaged + name.removeprefix(root)
    return name


def _snapshot(site_dir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(site_dir)): STAMP.sub(
            b'"timestamp":"<time>"', BUILT.sub(b"Built <time>", p.read_bytes())
        )
        for p in sorted(site_dir.rglob("*"))
        if p.is_file()
    }


def test_the_installed_wheel_builds_the_same_site_as_the_checkout(tmp_path):
    files = _project_files()
    src = tmp_path / "src"
    for name in files:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, src / name)
    env = _env(tmp_path / "cache-installed")

    # Build offline with the dev venv's setuptools.
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    _run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", wheels, src],
        cwd=tmp_path,
        env=env,
    )
    (wheel,) = wheels.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        shipped = set(zf.namelist())
    expected = {_in_wheel(f) for f in files if f.startswith(("generator/", *IN_PACKAGE))}
    missing = sorted(expected - shipped)
    assert missing == [], f"not in the wheel: list their packages in pyproject.toml: {missing}"

    # A fresh venv; the runtime dependencies come from the dev venv's site-packages.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    purelib = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=tmp_path,
            env=env,
        ).strip()
    )
    dev_site = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (purelib / "dev-venv-dependencies.pth").write_text("\n".join(dev_site) + "\n")
    _run(
        [*pip, "--python", python, "install", "--no-deps", "--no-index", wheel],
        cwd=tmp_path,
        env=env,
    )

    where = _run(
        [
            python,
            "-c",
            "import generator, generator.resources as r; "
            "print(generator.__file__); print(r.templates_dir()); print(r.content_dir()); "
            "print(r.static_dir())",
        ],
        cwd=tmp_path,
        env=env,
    ).splitlines()
    for path in where:
        assert Path(path).resolve().is_relative_to(venv.resolve()), where  # not the checkout

    # The installed command, run from an empty directory outside the checkout.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    installed = tmp_path / "installed"
    _run([venv / "bin" / "pypi-stats", "demo", "--out", installed], cwd=outside, env=env)
    checkout = tmp_path / "checkout"
    _run(
        [sys.executable, "-m", "generator", "demo", "--out", checkout],
        cwd=REPO,
        env=_env(tmp_path / "cache-checkout"),
    )

    got, want = _snapshot(installed / "site"), _snapshot(checkout / "site")
    assert sorted(got) == sorted(want)
    differ = [name for name in want if got[name] != want[name]]
    assert differ == []

    page = (installed / PACKAGE_PAGE).read_text(encoding="utf-8")
    assert "<h1>acme-http</h1>" in page
    assert 'id="chart-overall"' in page and 'data-chart="overall"' in page
    for asset in re.findall(r'(?:href|src)="\.\./\.\./(assets/[^"]+)"', page):
        assert (installed / "site" / asset).stat().st_size > 0, asset
    about = (installed / "site" / "about" / "index.html").read_text(encoding="utf-8")
    assert "<h1" in about and "sample data" in about.lower()
