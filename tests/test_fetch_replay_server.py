"""The replay server also runs on its own, for workflow rehearsals: check that it does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from tests.servers.pypistats_replay import ReplayServer

REPO = Path(__file__).resolve().parent.parent


def test_standalone_server_replays_and_injects_faults(realdata: Path) -> None:
    command = [sys.executable, "-m", "tests.servers.pypistats_replay", "--port", "0"]
    command += ["--snapshot", "2025-11-15", "--realdata", str(realdata)]
    command += ["--fault", "purl2src/system=503:1"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api")
        recorded = realdata / "semclone-status/extracted/2025-11-15/purl2src"
        with httpx.Client(timeout=10) as client:
            first = client.get(f"{url}/packages/purl2src/system")
            second = client.get(f"{url}/packages/purl2src/system")
            assert (first.status_code, second.status_code) == (503, 200)
            assert second.content == (recorded / "system.json").read_bytes()
            assert client.get(f"{url}/packages/unknown-pkg/overall").status_code == 404

            base = url.removesuffix("/api")
            assert client.get(f"{base}/_replay/snapshot/2026-08-22").status_code == 200
            newer = client.get(f"{url}/packages/suphm/overall")  # only in 2026-08-22
            assert newer.status_code == 200 and json.loads(newer.content)["package"] == "suphm"
            client.get(f"{base}/_replay/inject", params={"path": "suphm/overall", "fault": "html"})
            assert client.get(f"{url}/packages/suphm/overall").text.startswith("<!DOCTYPE html>")
            log = client.get(f"{base}/_replay/requests").json()
            assert [(r["path"], r["status"], r["fault"]) for r in log][:2] == [
                ("/api/packages/purl2src/system", 503, "503"),
                ("/api/packages/purl2src/system", 200, None),
            ]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_faults_queue_up_per_path_in_order(realdata: Path) -> None:
    with ReplayServer(realdata, snapshot="2026-05-15") as server:
        server.inject("vulnq/overall", "429", times=1)
        server.inject("/api/packages/vulnq/overall", "404", times=2)
        with httpx.Client(timeout=10) as client:
            statuses = [
                client.get(f"{server.url}/packages/vulnq/overall").status_code for _ in range(4)
            ]
        assert statuses == [429, 404, 404, 200]
        assert [r.fault for r in server.requests_for("vulnq/overall")] == [
            "429",
            "404",
            "404",
            None,
        ]
