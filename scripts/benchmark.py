#!/usr/bin/env python3
"""Build-speed benchmark: synthetic history at scale, then one timed `build`. Prints figures.

    python scripts/benchmark.py [--packages 1000] [--years 3] [--keep DIR]

Generates deterministic synthetic history (overall, python_minor, python_major, system;
one package in ten also has the BigQuery extras) into a temporary directory, runs
`python -m generator build` on it in a subprocess, and reports wall time, peak memory
(the sum of the build's processes, sampled), the size of site/ and one package page's weight.
Goals on a 2-core machine, 1,000 packages × 3 years: ≤ 15 s, ≤ 1.5 GB, page HTML ≤ 30 KB.

The sites are built as the nightly deploy builds them: packages.yaml names a GitHub
repository (`--repository-url`), so the history CSVs are linked there and not copied into
site/; `--copies` times a local build instead, which copies them (history_links).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.site import assets  # noqa: E402
from tests import synthetic  # noqa: E402

END = dt.date(2026, 11, 20)
GROUPS = ("Web", "Data", "Machine learning", "Developer tools", None)


def _generate(job: tuple[Path, list[str], int, frozenset[str], int]) -> None:
    data, names, days, extras, seed = job
    synthetic.write_history(data, names, END, days, extras_for=extras, seed=seed)


def generate(
    root: Path, count: int, days: int, settings: dict[str, str] | None = None
) -> tuple[Path, Path]:
    data = root / "data"
    names = [f"bench-pkg-{i:04d}" for i in range(count)]
    extras = frozenset(names[::10])
    chunks = [names[i : i + 50] for i in range(0, count, 50)]
    jobs = [(data, chunk, days, extras, i + 1) for i, chunk in enumerate(chunks)]
    with multiprocessing.Pool() as pool:
        pool.map(_generate, jobs)
    config = synthetic.write_config(
        root / "packages.yaml",
        [(n, GROUPS[i % len(GROUPS)]) for i, n in enumerate(names)],
        {"site_title": "Benchmark", **(settings or {})},
    )
    return config, data


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of `pid` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = pages * page
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return total


WITHOUT_BADGES = (
    "import sys; from generator.site import build; "
    "build._badges_module = None; "
    "from generator.cli import main; sys.exit(main(sys.argv[1:]))"
)


REPOSITORY_URL = "https://github.com/example/pypi-stats"  # as deployed: history not copied
OUTSIDE_ACTIONS = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}


def timed_build(
    config: Path, data: Path, out: Path, badges: bool = True
) -> tuple[float, float, int]:
    command = (
        [sys.executable, "-m", "generator"] if badges else [sys.executable, "-c", WITHOUT_BADGES]
    )
    command += ["build", "--config", str(config), "--data-dir", str(data), "--out", str(out)]
    peak = 0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(  # packages.yaml alone says which repository the site knows
        command, cwd=REPO, stderr=subprocess.DEVNULL, env=OUTSIDE_ACTIONS
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    code = process.wait()
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    cpu = user + system
    print(f"(CPU: {user:.1f} s user, {system:.1f} s system)")
    done.set()
    sampler.join()
    if code != 0:
        raise SystemExit(f"build failed with exit status {code}")
    return elapsed, cpu, peak


def file_creation_us(directory: Path, count: int = 500) -> float:
    """How long this machine takes to create one small file (a site has tens of thousands)."""
    directory.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for i in range(count):
        (directory / f"f{i}").write_bytes(b"x" * 1000)
    elapsed = time.perf_counter() - start
    shutil.rmtree(directory)
    return elapsed / count * 1e6


def site_size(site: Path) -> tuple[int, int]:
    seen: set[int] = set()
    total = files = 0
    for path in site.rglob("*"):
        if path.is_file():
            st = path.stat()
            files += 1
            if st.st_ino not in seen:  # the API's extension-less names are hard links
                seen.add(st.st_ino)
                total += st.st_size
    return total, files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into DIR and keep it")
    parser.add_argument("--reuse", action="store_true", help="with --keep: reuse its data/")
    parser.add_argument(
        "--split", action="store_true", help="also time a build without badges, for comparison"
    )
    parser.add_argument(
        "--repository-url",
        default=REPOSITORY_URL,
        help="the repository_url setting of the timed build (default: %(default)s)",
    )
    parser.add_argument(
        "--copies",
        action="store_true",
        help="time a local build instead: no repository_url, the history copied into site/",
    )
    parser.add_argument(
        "--decade-sample",
        type=int,
        default=50,
        metavar="N",
        help="also estimate the 1,000-package × 10-year site from N built packages (0: skip)",
    )
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="pypi-stats-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    days = 365 * args.years + 1
    t = time.perf_counter()
    if args.reuse and (root / "packages.yaml").is_file():
        config, data = root / "packages.yaml", root / "data"
    else:
        settings = {} if args.copies else {"repository_url": args.repository_url}
        config, data = generate(root, args.packages, days, settings)
    rows = sum(len(p.read_text().splitlines()) - 1 for p in (data / "bench-pkg-0001").glob("*.csv"))
    print(
        f"generated {args.packages} packages × {days} days in {time.perf_counter() - t:.1f} s "
        f"({rows:,} rows for a typical package)"
    )
    assets.vega_bundle()  # warm the per-version cache, as every build after the first finds it
    load = os.getloadavg()[0]
    # A new output directory, as in CI. Older ones are deleted only after the timed build:
    # deleting a big tree just before would slow the build down (on a disk mounted with
    # `discard`, the trims land during the next writes).
    previous = list(root.glob("site-*"))
    site = root / f"site-{time.time_ns()}"
    elapsed, cpu, peak = timed_build(config, data, site)
    size, files = site_size(site)
    page = site / "packages" / "bench-pkg-0001" / "index.html"
    html = page.read_bytes()
    chunks = sorted((site / "data" / "bench-pkg-0001").glob("chart-*.json"))
    chunk_bytes = sum(p.stat().st_size for p in chunks)
    last_two = b"".join(p.read_bytes() for p in chunks[-2:])  # what a 1-year view needs
    copies = list((site / "data" / "bench-pkg-0001").glob("*.csv"))
    print(
        f"build wall time      {elapsed:6.1f} s   (goal ≤ 15 s; {os.cpu_count()} cores, load before {load:.1f})"
    )
    print(f"build CPU time       {cpu:6.1f} s   (user + system, all processes)")
    print(f"peak memory          {peak / 2**20:6.0f} MiB (goal ≤ 1.5 GB; all build processes)")
    print(f"site size            {size / 2**20:6.0f} MiB in {files:,} files")
    print(
        f"package page HTML    {len(html) / 1000:6.1f} kB (goal ≤ 30 KB), {len(gzip.compress(html)) / 1000:.1f} kB gzipped"
    )
    print(
        f"  its chart data     {chunk_bytes / 2**20:6.2f} MiB in {len(chunks)} yearly chunks; "
        f"a 1-year view loads the last two, {len(last_two) / 1000:.0f} kB "
        f"({len(gzip.compress(last_two)) / 1000:.0f} kB gzipped)"
    )
    print(
        f"  its history CSVs   {sum(p.stat().st_size for p in copies) / 2**20:6.2f} MiB copied"
        if copies
        else "  its history CSVs     none copied: the links point at the repository's files"
    )
    print(
        f"file creation        {file_creation_us(root / 'fs-probe'):6.0f} µs per file on this disk"
    )
    if args.split:
        elapsed, cpu, peak = timed_build(
            config, data, root / f"site-{time.time_ns()}", badges=False
        )
        print(f"without badges       {elapsed:6.1f} s wall, {cpu:.1f} s CPU (what the badges cost)")
    for old in previous:
        shutil.rmtree(old)
    if args.decade_sample:
        decade_size(root / "decade", args.decade_sample)
    if not args.keep:
        shutil.rmtree(root)


DECADE_PARTS = (  # (label, folder in site/, grows with the history)
    ("chart data", "data", True),
    ("pages", "packages", True),
    ("API", "api/packages", False),
    ("badges", "badges", False),
    ("reports", "reports", True),  # counted apart: see decade_size
)


def decade_size(root: Path, sample: int, target: int = 1000, years: int = 10) -> None:
    """The size of a `target`-package × `years`-year site, from a built sample of `sample`
    packages built as deployed (repository_url set: the history is linked, not copied):
    per-package bytes of each part measured, times `target`, plus what does not grow."""
    days = 365 * years + 1
    config, data = generate(root, sample, days, {"repository_url": REPOSITORY_URL})
    site = root / "site"
    timed_build(config, data, site)
    size, _ = site_size(site)
    parts = {
        label: sum(site_size(site / folder / f"bench-pkg-{i:04d}")[0] for i in range(sample))
        / sample
        for label, folder, _grows in DECADE_PARTS
    }
    # reports/: one Markdown file per package and month, and a row in each month's page
    # and index, so the whole folder is counted as growing with the packages and years
    parts["reports"] = site_size(site / "reports")[0] / sample
    per_package = sum(parts.values())
    fixed = size - per_package * sample
    total = fixed + per_package * target
    growing = sum(parts[label] for label, _folder, grows in DECADE_PARTS if grows)
    print(
        f"{target:,} packages × {years} years  {total / 2**20:6.0f} MiB estimated "
        f"(GitHub Pages' limit: 1 GiB), from a built sample of {sample} built as deployed "
        f"(history CSVs linked to the repository, not copied): {per_package / 1000:.0f} kB "
        f"per package, {fixed / 2**20:.1f} MiB that does not grow"
    )
    for label, _folder, grows in DECADE_PARTS:
        share = parts[label] * target / 2**20
        trend = (
            f"{parts[label] / years / 1000:5.1f} kB per package-year"
            if grows
            else "does not grow with the years"
        )
        print(f"  {label:<11} {parts[label] / 1000:7.1f} kB per package, {share:5.0f} MiB; {trend}")
    print(
        f"  what grows: {growing / years / 1000:.1f} kB per package-year, "
        f"{growing / years * target / 2**20:.0f} MiB a year for {target:,} packages"
    )
    shutil.rmtree(root)


if __name__ == "__main__":
    main()
