"""Access-control benchmark (issue 5): what tokens, rules and purpose-bound read logging cost.

A demo registry is served by uvicorn (one worker) with demo mode off, as in production: a secret key, a
log key and an operator account. Client threads then look up organisations' records for the same
time, in alternating rounds (`--clients`, default 4, sets how many at once):

- anonymous: GET /api/v1/organisations/{code}/records, the public view;
- with purpose: the same with a department's token and ?purpose=procurement_check, which resolves the
  token, checks the rules, reads the shared records as well, and keeps the read (a row and a transparency
  log entry, committed) before answering.

The figure is authenticated-with-purpose lookups per second as a ratio to anonymous ones (target: at
least 0.7). Rounds alternate so that both see the same machine; the ratio is of the medians.

    python benchmarks/bench_access.py [--orgs N] [--records N] [--seconds S] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CREDENCE = str(Path(sys.executable).with_name("credence"))


def run(args: list[str], env: dict[str, str]) -> str:
    return subprocess.run([CREDENCE, *args], env=env, check=True, capture_output=True, text=True).stdout


def build(work: Path, orgs: int, records: int) -> dict[str, str]:
    env = {
        **os.environ,
        "CREDENCE_DATABASE_URL": f"sqlite:///{work / 'credence.db'}",
        "CREDENCE_SECRET_KEY": "bench-" + "k" * 40,
        "CREDENCE_LOG_KEY_PATH": str(work / "log-key.pem"),
        "CREDENCE_RATE_LIMIT": "1000000/second",  # the benchmark measures the work, not the limit
        "CREDENCE_NEW_PASSWORD": "bench-operator-password",
        "CREDENCE_TICK_INTERVAL_SECONDS": "0",
        "CREDENCE_CHECKPOINT_INTERVAL_SECONDS": "0",
    }
    run(["log", "keygen", env["CREDENCE_LOG_KEY_PATH"]], env)
    run(["demo", "--organisations", str(orgs), "--records", str(records)], env)
    run(["user", "add", "operator", "--role", "operator"], env)
    made = run(["token", "create", "--role", "department", "--department", "SAMR", "--name", "bench"], env)
    env["BENCH_TOKEN"] = made.split()[-1]
    return env


def measure(orgs: int, records: int, seconds: float, rounds: int, clients: int) -> dict[str, object]:
    import httpx

    work = Path(tempfile.mkdtemp(prefix="credence-bench-access-"))
    started = time.perf_counter()
    env = build(work, orgs, records)
    build_seconds = time.perf_counter() - started
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [CREDENCE, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    token = {"Authorization": f"Bearer {env['BENCH_TOKEN']}"}
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/api/v1/health", timeout=1)
                break
            except httpx.HTTPError:
                if server.poll() is not None:
                    raise SystemExit(f"the server did not start: {server.stderr.read().decode()}") from None
                time.sleep(0.1)
        found = httpx.get(base + "/api/v1/organisations", params={"q": "有限公司", "per_page": 100}).json()
        paths = [f"/api/v1/organisations/{o['code']}/records" for o in found["items"] if o["code"]]

        def rate(headers: dict[str, str], params: dict[str, str]) -> float:
            done = [0]
            stop = time.monotonic() + seconds

            def worker(offset: int) -> None:
                with httpx.Client(base_url=base, headers=headers) as client:
                    i = offset
                    while time.monotonic() < stop:
                        response = client.get(paths[i % len(paths)], params=params)
                        assert response.status_code == 200, response.text
                        done[0] += 1
                        i += 1

            threads = [threading.Thread(target=worker, args=(k * 25,)) for k in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return done[0] / seconds

        anonymous: list[float] = []
        purposed: list[float] = []
        for _ in range(rounds):
            anonymous.append(rate({}, {}))
            purposed.append(rate(token, {"purpose": "procurement_check"}))
        reads = httpx.get(base + "/api/v1/access/reads", headers=token, params={"per_page": 1})
    finally:
        server.terminate()
        server.wait()
    a, p = statistics.median(anonymous), statistics.median(purposed)
    return {
        "organisations": orgs,
        "records": records,
        "build_seconds": round(build_seconds, 1),
        "rounds": rounds,
        "clients": clients,
        "seconds_per_round": seconds,
        "anonymous_per_s": [round(x) for x in anonymous],
        "purpose_per_s": [round(x) for x in purposed],
        "ratio": round(p / a, 3),
        "reads_endpoint_for_department": reads.status_code,  # 403: the access log is the auditor's
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=12_000)
    parser.add_argument("--records", type=int, default=120_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4, help="client threads at once")
    args = parser.parse_args()
    result = measure(args.orgs, args.records, args.seconds, args.rounds, args.clients)
    print(json.dumps(result, ensure_ascii=False))
    print(f"access: {result['ratio']} of anonymous lookups per second with token and purpose (target >= 0.7)")


if __name__ == "__main__":
    main()
