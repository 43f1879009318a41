"""ClickHouseSource over real HTTP, against the chdb stand-in of the public PyPI dataset.

Every expected count here is computed in plain Python from the raw `pypi.pypi` rows the
test inserted (`expected_series`), independently of the SQL the source sends: with and
without mirrors as pypistats.org counts them, versions and countries without mirrors,
installers with every download, python_minor and system from views that cannot leave
mirrors out, the top K of each day with ties broken by name and the rest in "other".

One stand-in is shared per module and configuration (chdb allows one at a time in a
process): `@on("play")` is the public user's limits; "rows" has a low `max_result_rows`
and quotes 64-bit integers as ClickHouse did before 25.8; "bytes" has a low
`max_result_bytes` the planner cannot foresee.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from generator.model import Series
from generator.sources import Fetched, clickhouse_sql
from generator.sources.clickhouse import SOURCE_KINDS, ClickHouseSource
from generator.sources.ratelimit import polite_limiter
from generator.sources.retry import RetryPolicy
from tests.linehaul import clickhouse_row, event_rows, log_rows, ua_details
from tests.servers.clickhouse_standin import ClickHouseStandIn, Request

FIRST = dt.date(2026, 1, 1)
NEWEST = dt.date(2026, 1, 12)  # the newest day in every stand-in below
TOP_K = 3
MIRRORS = {"bandersnatch", "z3c.pypimirror", "Artifactory", "devpi"}
SYSTEMS = {"Windows", "Linux", "Darwin"}
PACKAGES = ("alpha", "beta-pkg", "gamma", "mirrored-only", "o'brien", "back\\slash", "tied")
ABSENT = "not-in-the-dataset"
TIE = FIRST + dt.timedelta(days=2)
HUGE = "huge"  # "bytes" only: one day whose answer alone is over max_result_bytes
CHOICES: dict[str, list[str]] = {
    # '' is BigQuery's NULL as ClickPy stores it; "artifactory" is not "Artifactory"
    "installer": ["pip"] * 6
    + ["uv"] * 3
    + ["", "poetry", "artifactory", "Nexus"]
    + ["bandersnatch", "z3c.pypimirror", "Artifactory", "devpi"],
    "python_minor": ["3.12"] * 4
    + ["3.11"] * 3
    + ["3.10", "3.9", "2.7", ""]
    + ["3", "10.1", "cpython", "3.x", "3.11\n"],
    "system": ["Linux"] * 5 + ["Windows", "Darwin", "", "FreeBSD", "linux"],
    "version": ["2.0"] * 4 + ["1.9"] * 3 + ["1.0", "", "1,0", "2\x01rc", "9" * 120],
    "country_code": ["US"] * 4 + ["DE", "DE", "NZ", "", "FR", "BR"],
}


def generated_rows(seed: int = 7) -> list[dict[str, str]]:
    """Raw rows (one per download) for PACKAGES over FIRST..NEWEST, some days empty."""
    rng = random.Random(seed)
    rows = []
    day = FIRST
    while day <= NEWEST:
        for project in PACKAGES[:-1]:
            for _ in range(rng.choice([0, 1, 3, 8, 15, 25])):
                row = {column: rng.choice(values) for column, values in CHOICES.items()}
                if project == "mirrored-only":
                    row["installer"] = rng.choice(sorted(MIRRORS))
                rows.append(_row(project, day, **row))
        day += dt.timedelta(days=1)
    # a tie at the K boundary: versions a, b, c, d twice each; the top 3 is a, b, c
    rows += [_row("tied", TIE, version=v) for v in "dcbae" for _ in range(1 + (v != "e"))]
    return rows


def _row(project: str, day: dt.date, **fields: str) -> dict[str, str]:
    base = {"country_code": "US", "type": "bdist_wheel", "installer": "pip"}
    base |= {"python_minor": "3.12", "system": "Linux", "version": "1.0"}
    return {**base, **fields, "date": day.isoformat(), "project": project}


def huge_rows() -> list[dict[str, str]]:
    """HUGE: an ordinary day, and one day with 400 versions (a long `top` array)."""
    rows = [_row(HUGE, FIRST, version=f"{n}.0") for n in range(3)]
    return rows + [_row(HUGE, NEWEST, version=f"0.{n}.{'x' * 40}") for n in range(400)]


# ---------------------------------------------------------------- the independent counts


def storable(category: str) -> bool:
    """generator/rows.py's rule, restated: 1..100 printable characters (ASCII space the
    only space), none at either end. A comma is storable: the CSV writer quotes it."""
    printable = all(ch.isprintable() for ch in category)
    return 0 < len(category) <= 100 and printable and category == category.strip()


def _top(counts: Counter[str], top_k: int) -> dict[str, int]:
    ranked = sorted(((c, n) for c, n in counts.items() if n > 0), key=lambda cn: (-cn[1], cn[0]))
    out: Counter[str] = Counter()
    for category, n in ranked[:top_k]:
        out[category if storable(category) else "other"] += n
    out["other"] += sum(n for _, n in ranked[top_k:])
    return {c: n for c, n in out.items() if n > 0}


def expected_series(
    rows: Sequence[dict[str, str]],
    names: Sequence[str],
    start: dt.date,
    end: dt.date,
    top_k: int = TOP_K,
) -> dict[str, dict[str, Series]]:
    """{name: {kind: Series}} as pypistats.org would count these raw rows."""
    plain: dict[str, dict[str, Counter[tuple[str, str]]]] = {
        name: defaultdict(Counter) for name in names
    }
    ranked: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for row in rows:
        name, day = row["project"], row["date"]
        if name not in plain or not start.isoformat() <= day <= end.isoformat():
            continue
        kinds = plain[name]
        clean = row["installer"] != "" and row["installer"] not in MIRRORS
        kinds["overall"][(day, "with_mirrors")] += 1
        kinds["overall"][(day, "without_mirrors")] += clean
        ranked[(name, "installer", day)][row["installer"] or "null"] += 1
        ranked[(name, "version", day)][row["version"] or "null"] += clean
        ranked[(name, "country", day)][row["country_code"] or "null"] += clean
        python = row["python_minor"]
        if python == "":
            kinds["python_minor"][(day, "null")] += 1
        elif re.fullmatch(r"[0-9]\.[0-9]+", python):
            kinds["python_minor"][(day, python)] += 1
        system = row["system"]
        if system == "":
            system = "null"
        elif system not in SYSTEMS:
            system = "other"
        kinds["system"][(day, system)] += 1
    for (name, kind, day), counts in ranked.items():
        for category, n in _top(counts, top_k).items():
            plain[name][kind][(day, category)] += n
    return {
        name: {kind: {k: n for k, n in kinds[kind].items() if n > 0} for kind in SOURCE_KINDS}
        for name, kinds in plain.items()
    }


ROWS = generated_rows()

# ---------------------------------------------------------------- stand-ins and clients

STANDINS: dict[str, dict[str, Any]] = {
    "play": {},  # the public `play` profile: 1000 rows, 10 MB, 'break'
    "rows": {"max_result_rows": 20, "output_format_json_quote_64bit_integers": 1},
    "bytes": {"max_result_bytes": 6000},
}


def on(kind: str) -> pytest.MarkDecorator:
    """Run the test against the shared stand-in of configuration `kind`."""
    return pytest.mark.parametrize("ch", [kind], indirect=True)


@pytest.fixture(scope="module")
def ch(request: pytest.FixtureRequest) -> Iterator[ClickHouseStandIn]:
    kind = getattr(request, "param", "play")
    with ClickHouseStandIn(**STANDINS[kind]) as standin:
        standin.insert(ROWS + (huge_rows() if kind == "bytes" else []))
        assert standin.newest_day() == NEWEST
        yield standin


@pytest.fixture(autouse=True)
def _no_faults_left(ch: ClickHouseStandIn) -> Iterator[None]:
    ch.faults.clear()
    ch.fail_every = None
    yield
    ch.faults.clear()
    ch.fail_every = None


@dataclass
class Client:
    """A source on the stand-in, and the requests the stand-in logged for it."""

    ch: ClickHouseStandIn
    source: ClickHouseSource
    first: int  # index of its first request in ch.requests
    sleeps: list[float] = field(default_factory=list)

    def requests(self) -> list[Request]:
        """Its requests, all of them logged (the stand-in logs each as it arrives; this
        waits in case one is still on its way)."""
        deadline = time.monotonic() + 10
        while len(self.ch.requests) - self.first < self.source.usage.queries:
            assert time.monotonic() < deadline, "the stand-in did not log every request"
            time.sleep(0.01)
        return self.ch.requests[self.first :]

    def data_requests(self) -> list[Request]:
        return [r for r in self.requests() if r.sql != clickhouse_sql.PROBE]

    def fetch(self, names: Sequence[str], start: dt.date, end: dt.date) -> dict[str, Fetched]:
        return {f.name: f for f in self.source.fetch(names, start, end)}


@pytest.fixture
def client(ch: ClickHouseStandIn) -> Iterator[Callable[..., Client]]:
    made: list[Client] = []

    def make(user: str = "demo", top_k: int = TOP_K, **options: Any) -> Client:
        sleeps: list[float] = []
        source = ClickHouseSource(
            ch.url,
            user,
            top_k,
            policy=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05),
            limiter=polite_limiter(100_000, per_second=1000),
            sleep=sleeps.append,
            **options,
        )
        made.append(Client(ch, source, len(ch.requests), sleeps))
        return made[-1]

    yield make
    for c in made:
        c.source.close()


def kinds_of(fetched: dict[str, Fetched]) -> dict[str, dict[str, Series]]:
    errors = {name: f.error for name, f in fetched.items() if f.error}
    assert not errors
    return {name: f.kinds for name, f in fetched.items()}


class AddSetting(httpx.HTTPTransport):
    """A transport that adds a URL setting to every request but the probe (as if the
    server's profile refused what the client sends): the stand-in answers READONLY."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.content.decode() != clickhouse_sql.PROBE:
            request.url = request.url.copy_add_param("max_threads", "1")
        return super().handle_request(request)


class Summaries(httpx.HTTPTransport):
    """A transport that keeps each answer's X-ClickHouse-Summary header."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.seen.append(response.headers.get("X-ClickHouse-Summary", ""))
        return response


# ---------------------------------------------------------------- the answer is exact


@on("play")
def test_the_answer_equals_the_independent_counts(client: Callable[..., Client]) -> None:
    c = client()
    names = [*PACKAGES, ABSENT]
    fetched = c.fetch(names, FIRST, NEWEST)
    assert list(fetched) == names
    assert kinds_of(fetched) == expected_series(ROWS, names, FIRST, NEWEST)
    assert all(f.days == (FIRST, NEWEST) for f in fetched.values())
    # the data reaches the rules it should: mirrors, a tie, other, null, zero days
    expected = expected_series(ROWS, names, FIRST, NEWEST)
    tie = TIE.isoformat()
    assert expected["tied"]["version"] == {(tie, "a"): 2, (tie, "b"): 2, (tie, "c"): 2} | {
        (tie, "other"): 3
    }
    assert any(c == "other" for _, c in expected["alpha"]["version"])
    assert any(c == "null" for _, c in expected["alpha"]["installer"])
    assert not any(c == "without_mirrors" for _, c in expected["mirrored-only"]["overall"])
    assert expected["mirrored-only"]["version"] == {} and expected[ABSENT]["overall"] == {}
    assert len(c.data_requests()) == 3  # one request per view for the whole night


@on("play")
def test_top_k_changes_only_how_much_is_named(client: Callable[..., Client]) -> None:
    names = ["alpha", "gamma"]
    for top_k in (1, 50):
        fetched = client(top_k=top_k).fetch(names, FIRST + dt.timedelta(days=1), NEWEST)
        assert kinds_of(fetched) == expected_series(
            ROWS, names, FIRST + dt.timedelta(days=1), NEWEST, top_k
        )


@on("play")
def test_real_linehaul_rows_are_counted_exactly(
    ch: ClickHouseStandIn, client: Callable[..., Client], realdata: Path
) -> None:
    bq_rows = log_rows(realdata) + event_rows(realdata)
    bq_rows += [
        {"project": "cfn-flip", "country_code": "US", "file": {"version": "1", "type": "sdist"}}
        | {"details": details}
        for details in ua_details(realdata)
    ]
    rows = [clickhouse_row(r, FIRST + dt.timedelta(days=i % 3)) for i, r in enumerate(bq_rows)]
    names = sorted({r["project"] for r in rows})
    assert not set(names) & set(PACKAGES)
    ch.insert(rows)
    fetched = client().fetch(names, FIRST, NEWEST)
    assert kinds_of(fetched) == expected_series(rows, names, FIRST, NEWEST)
    assert sum(fetched["cfn-flip"].kinds["installer"].values()) == sum(
        r["project"] == "cfn-flip" for r in rows
    )


@on("rows")
def test_a_low_row_limit_plans_several_requests_and_stays_exact(
    ch: ClickHouseStandIn, client: Callable[..., Client]
) -> None:
    answer = httpx.post(
        ch.url,
        params={"user": "demo", "default_format": "JSON"},
        content="SELECT toInt64(5) AS n",
    )
    assert answer.json()["data"] == [{"n": "5"}], "this stand-in quotes Int64 as before 25.8"
    c = client()
    names = [*PACKAGES, ABSENT]
    fetched = c.fetch(names, FIRST, NEWEST)
    assert kinds_of(fetched) == expected_series(ROWS, names, FIRST, NEWEST)
    limits = c.source.limits()
    assert limits.max_result_rows == 20
    planned = [
        request
        for query in clickhouse_sql.queries_for(SOURCE_KINDS)
        for request in c.source.plan(query, names, FIRST, NEWEST, limits)
    ]
    sent = c.data_requests()
    assert len(sent) == len(planned) > 3  # as planned: nothing was cut, nothing asked twice
    assert all(r.status == 200 and r.result_rows is not None and r.result_rows < 20 for r in sent)


@on("bytes")
def test_answers_cut_by_bytes_are_asked_again_in_halves(
    ch: ClickHouseStandIn, client: Callable[..., Client]
) -> None:
    c = client()
    names = [*PACKAGES, ABSENT]
    fetched = c.fetch(names, FIRST, NEWEST)
    assert kinds_of(fetched) == expected_series(ROWS, names, FIRST, NEWEST)
    sent = c.data_requests()
    whole = [r for r in sent if (r.params["start"], r.params["end"]) == (str(FIRST), str(NEWEST))]
    assert len(whole) == 3  # one per view, as planned: the planner cannot foresee bytes
    days_with_rows = {(r["project"], r["date"]) for r in ROWS}
    first = whole[0]
    assert first.result_rows is not None and first.result_rows < 3 * len(days_with_rows), (
        "the server cut the first extras answer short ('break')"
    )
    assert len(sent) > 3
    assert any(r.params["start"] == r.params["end"] for r in sent)  # down to single days


@on("bytes")
def test_one_package_day_too_big_fails_that_package_alone(
    client: Callable[..., Client],
) -> None:
    names = [*PACKAGES, HUGE]
    fetched = client(top_k=500).fetch(names, FIRST, NEWEST)
    error = fetched[HUGE].error
    assert error is not None and f"extras, {HUGE}, {NEWEST}..{NEWEST}" in error
    assert "cut the answer" in error and "even for one package and one day" in error
    assert fetched[HUGE].kinds == {}
    others = {name: f for name, f in fetched.items() if name != HUGE}
    assert kinds_of(others) == expected_series(ROWS, PACKAGES, FIRST, NEWEST, 500)


@on("play")
def test_an_answer_over_the_body_cap_is_asked_again_in_halves(
    client: Callable[..., Client],
) -> None:
    """_run's docstring: "cut short or too big, it is asked again in halves". Any night
    with top_k well above 10 (packages.yaml allows up to 10,000) and many versions a day
    reaches the 16 MiB cap well inside ROWS_PER_ANSWER rows; here the cap is made small."""
    names = list(PACKAGES)
    fetched = client(max_body=20_000).fetch(names, FIRST, NEWEST)
    assert kinds_of(fetched) == expected_series(ROWS, names, FIRST, NEWEST)


# ---------------------------------------------------------------- probe and newest day


@on("play")
def test_the_probe_is_sent_once_per_source(client: Callable[..., Client]) -> None:
    c = client()
    assert c.source.newest == NEWEST
    c.fetch(["alpha"], FIRST, NEWEST)
    c.fetch(["beta-pkg"], FIRST, FIRST)
    assert c.source.first_days(["alpha", ABSENT]) == {"alpha": FIRST}
    assert c.source.newest == NEWEST
    probes = [r for r in c.requests() if r.sql == clickhouse_sql.PROBE]
    assert len(probes) == 1 and c.requests()[0] is probes[0]
    limits = c.source.limits()
    assert (limits.max_result_rows, limits.overflow_mode) == (1000, "break")
    assert limits.max_result_bytes == 10_000_000
    other = client()  # a new source asks again
    other.source.limits()
    assert len(other.requests()) == 1


@on("play")
def test_answers_end_at_the_datasets_newest_day(client: Callable[..., Client]) -> None:
    c = client()
    start = NEWEST - dt.timedelta(days=2)
    fetched = c.fetch(["alpha", "gamma"], start, NEWEST + dt.timedelta(days=5))
    assert all(f.days == (start, NEWEST) for f in fetched.values())
    assert kinds_of(fetched) == expected_series(ROWS, ["alpha", "gamma"], start, NEWEST)
    assert all(r.params["end"] == str(NEWEST) for r in c.data_requests())
    later = c.fetch(["alpha"], NEWEST + dt.timedelta(days=1), NEWEST + dt.timedelta(days=3))
    assert later["alpha"].days is None and later["alpha"].kinds == {}
    assert later["alpha"].error is None
    assert len(c.data_requests()) == 3, "nothing is asked for days the dataset does not have"


# ---------------------------------------------------------------- busy servers


@on("play")
@pytest.mark.parametrize(
    "fault",
    [
        ("status", 429, {"Retry-After": "1"}),
        ("status", 503, {}),
        ("status", 502, {}),
        ("drop",),
    ],
    ids=["429", "503", "502", "drop"],
)
def test_a_busy_answer_is_retried_and_the_result_is_exact(
    ch: ClickHouseStandIn, client: Callable[..., Client], fault: tuple[Any, ...]
) -> None:
    c = client()
    c.source.limits()
    ch.faults.append(fault)  # the next request: the extras one
    names = ["alpha", "o'brien"]
    fetched = c.fetch(names, FIRST, NEWEST)
    assert kinds_of(fetched) == expected_series(ROWS, names, FIRST, NEWEST)
    sent = c.data_requests()
    assert len(sent) == 4 and sent[0].fault == fault[0] and sent[1].sql == sent[0].sql
    if fault[1:2] == (429,):
        assert c.sleeps == [1.0], "Retry-After is honoured"
    else:
        assert len(c.sleeps) == 1 and c.sleeps[0] <= 0.05


@on("play")
def test_a_timeout_after_the_headers_is_asked_again_in_halves(
    ch: ClickHouseStandIn, client: Callable[..., Client]
) -> None:
    """Code 159 written after a 200 (ClickHouse's HTTP caveat): the request was too slow,
    so asking the same again would time out again; its halves are asked instead."""
    c = client()
    c.source.limits()
    ch.faults.append(("exception_after_200",))  # the next request: the extras one
    names = ["alpha", "o'brien"]
    fetched = c.fetch(names, FIRST, NEWEST)
    assert kinds_of(fetched) == expected_series(ROWS, names, FIRST, NEWEST)
    sent = c.data_requests()
    assert sent[0].fault == "exception_after_200" and sent[0].params != sent[1].params
    assert not c.sleeps, "no back-off: a smaller question, at once"


@on("play")
def test_an_occasional_429_leaves_the_result_exact(
    ch: ClickHouseStandIn, client: Callable[..., Client]
) -> None:
    ch.fail_every = 2
    c = client()
    names = [*PACKAGES, ABSENT]
    fetched = c.fetch(names, FIRST, NEWEST)
    assert kinds_of(fetched) == expected_series(ROWS, names, FIRST, NEWEST)
    statuses = [r.status for r in c.requests()]
    assert 429 in statuses and statuses.count(200) == 4  # the probe and three views


@on("play")
def test_a_server_busy_for_every_attempt_fails_the_packages_and_says_so(
    ch: ClickHouseStandIn, client: Callable[..., Client]
) -> None:
    c = client()
    c.source.limits()
    ch.faults += [("status", 503, {})] * 3
    fetched = c.fetch(["alpha", "gamma"], FIRST, NEWEST)
    for f in fetched.values():
        assert f.error is not None and "HTTP 503 after 3 attempts" in f.error
    assert [r.status for r in c.data_requests()][:3] == [503, 503, 503]


# ---------------------------------------------------------------- errors retrying cannot fix


@on("play")
def test_a_refused_user_is_not_retried_and_fails_every_package(
    client: Callable[..., Client],
) -> None:
    c = client(user="nobody")
    fetched = c.fetch(["alpha", "gamma"], FIRST, NEWEST)
    for f in fetched.values():
        assert f.error is not None and "asking the newest day failed" in f.error
        assert "ClickHouse error 516" in f.error and "AUTHENTICATION_FAILED" in f.error
    assert [r.status for r in c.requests()] == [403]


@on("play")
def test_readonly_is_not_retried_and_fails_the_packages_of_the_request(
    ch: ClickHouseStandIn, client: Callable[..., Client]
) -> None:
    c = client(transport=AddSetting())
    fetched = c.fetch(["alpha", "gamma"], FIRST, NEWEST)
    for f in fetched.values():
        assert f.error is not None and "ClickHouse error 164" in f.error
        assert "(READONLY)" in f.error and "Cannot modify 'max_threads'" in f.error
    sent = c.data_requests()
    assert [(r.status, r.exception_code) for r in sent] == [(500, 164)], "a 500, not retried"


@contextmanager
def unknown_table(ch: ClickHouseStandIn) -> Iterator[None]:
    """The python view is missing for a while (renamed away, then back)."""
    view = clickhouse_sql.PYTHON_VIEW
    ch.query(f"RENAME TABLE {view} TO {view}_hidden")
    try:
        yield
    finally:
        ch.query(f"RENAME TABLE {view}_hidden TO {view}")


@on("play")
def test_an_unknown_table_is_not_retried_and_fails_the_packages_of_the_request(
    ch: ClickHouseStandIn, client: Callable[..., Client]
) -> None:
    c = client()
    names = ["alpha", "gamma"]
    with unknown_table(ch):
        fetched = c.fetch(names, FIRST, NEWEST)
    for f in fetched.values():
        assert f.error is not None and "ClickHouse error 60" in f.error
        assert "Unknown table expression identifier" in f.error
        assert f"python, 2 packages, {FIRST}..{NEWEST}" in f.error
    sent = c.data_requests()
    assert [(r.status, r.exception_code) for r in sent] == [(200, None), (404, 60)]


@on("play")
def test_an_unknown_table_failure_names_the_error(
    ch: ClickHouseStandIn, client: Callable[..., Client]
) -> None:
    with unknown_table(ch):
        fetched = client().fetch(["alpha"], FIRST, NEWEST)
    assert "UNKNOWN_TABLE" in str(fetched["alpha"].error)


@on("play")
def test_a_complete_answer_whose_data_quotes_an_error_is_not_retried(
    ch: ClickHouseStandIn, client: Callable[..., Client]
) -> None:
    day = FIRST + dt.timedelta(days=4)
    rows = [_row("quoting", day, installer="Code: 202. DB::Exception: busy"), _row("quoting", day)]
    ch.insert(rows)
    c = client()
    fetched = c.fetch(["quoting"], day, day)
    assert fetched["quoting"].error is None, fetched["quoting"].error
    assert fetched["quoting"].kinds == expected_series(rows, ["quoting"], day, day)["quoting"]
    assert len(c.data_requests()) == 3


# ---------------------------------------------------------------- deadline and usage


@on("play")
def test_a_server_that_never_answers_in_time_fails_the_package_by_the_deadline(
    ch: ClickHouseStandIn, client: Callable[..., Client]
) -> None:
    c = client(deadline=0.3)
    c.source.limits()
    ch.faults.append(("slow", 1.5))
    fetched = c.fetch(["alpha"], FIRST, NEWEST)
    error = fetched["alpha"].error
    assert error is not None and "no complete answer within 0.3 s" in error
    assert "deadline" in error
    sent = c.requests()  # waits for the slow answer to be logged too
    assert [r.fault for r in sent] == [None, "slow"]
    assert c.source.usage.queries == 2, "the deadline is final: not retried"


@on("play")
def test_take_usage_adds_up_the_summaries_and_returns_only_what_is_new(
    client: Callable[..., Client],
) -> None:
    summaries = Summaries()
    c = client(transport=summaries)
    c.fetch(["alpha", "gamma"], FIRST, NEWEST)

    def read(seen: list[str], key: str) -> int:
        return sum(int(json.loads(s)[key]) for s in seen)

    first = c.source.take_usage()
    assert first.queries == 4 == len(summaries.seen)
    assert first.rows_read == read(summaries.seen, "read_rows") > 0
    assert first.bytes_read == read(summaries.seen, "read_bytes") > 0
    assert c.source.take_usage() == type(first)(0, 0, 0)
    before = len(summaries.seen)
    c.fetch(["beta-pkg"], FIRST, NEWEST)
    second = c.source.take_usage()
    assert second.queries == 3  # no second probe
    assert second.rows_read == read(summaries.seen[before:], "read_rows") > 0
    assert second.bytes_read == read(summaries.seen[before:], "read_bytes")
    assert c.source.usage.rows_read == first.rows_read + second.rows_read
