"""`python -m loadtest` (what `make loadtest` runs); `--help` lists the knobs."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.exc import ArgumentError

from loadtest.database import is_postgresql, run_database
from loadtest.report import TOTAL, Endpoint, ceiling_ratio, failure_lines, read_stats
from loadtest.world import World, build_world
from signoff.db import migrate
from signoff.db.models import ApprovalRequest, Decision
from signoff.db.session import Database, make_engine

HERE = Path(__file__).resolve().parent
SIGNOFF = Path(sys.executable).with_name("signoff")


def main() -> int:
    options = _options()
    with tempfile.TemporaryDirectory(prefix="signoff-loadtest-") as scratch:
        work = Path(scratch)
        data_dir = work / "data"
        data_dir.mkdir()
        url = f"http://127.0.0.1:{_free_port()}"
        with run_database(
            data_dir, database_url=options.database_url, postgres=options.postgres
        ) as database_url:
            kind = "postgresql" if is_postgresql(database_url) else "sqlite"
            _say(f"database: {kind}; {options.workers} server process(es)")
            _say(f"seeding {options.pages} pending pages, {options.users} approvers")
            world = _seed(database_url, url, options)
            world_file = work / "world.json"
            world.save(world_file)
            server = _serve(data_dir, database_url, url, work / "server.log", options)
            try:
                _say(f"mixed workload: {options.users} users for {options.seconds} s")
                mixed = _locust("MixedUser", options, url, world_file, work / "mixed")
                _say(f"trivial endpoint: {options.users} users for {options.seconds} s")
                trivial = _locust(
                    "TrivialUser", options, url, world_file, work / "trivial"
                )
            finally:
                _stop(server)
            log = work / "approvals.log"
            problems = failure_lines(_lines(log))
            problems += _check_store(database_url, data_dir, log)
        figures = _figures(options, kind, mixed, trivial, problems)
    if options.json:
        print(json.dumps(figures, indent=2))
    else:
        _print_table(figures, mixed, trivial)
    return 1 if problems else 0


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make loadtest",
        description="Serve Signoff on loopback and drive it with Locust.",
    )
    parser.add_argument("--users", type=int, default=16, help="concurrent users")
    parser.add_argument("--seconds", type=int, default=30, help="length of each run")
    parser.add_argument("--pages", type=int, default=2000, help="pages pending")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (signoff serve)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--database-url",
        metavar="URL",
        help="a PostgreSQL server to use (postgresql+psycopg://...): the run creates "
        "a scratch database there and drops it at the end; default: a SQLite file",
    )
    where.add_argument(
        "--postgres",
        action="store_true",
        help="start a private throw-away PostgreSQL cluster for the run",
    )
    options = parser.parse_args()
    for name in ("users", "seconds", "pages", "workers"):
        if getattr(options, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if options.database_url and not _names_postgresql(options.database_url):
        parser.error("--database-url must be a postgresql+psycopg:// URL")
    return options


def _names_postgresql(url: str) -> bool:
    try:
        return is_postgresql(url)
    except ArgumentError:
        return False


def _say(line: str) -> None:
    print(f"loadtest: {line}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _seed(database_url: str, url: str, options: argparse.Namespace) -> World:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        return build_world(
            Database(engine),
            base_url=url,
            approvers=options.users,
            pages=options.pages,
            progress=lambda done: _say(f"  {done} of {options.pages} pages submitted"),
        )
    finally:
        engine.dispose()


def _serve(
    data_dir: Path,
    database_url: str,
    url: str,
    log: Path,
    options: argparse.Namespace,
) -> subprocess.Popen[bytes]:
    port = url.rsplit(":", 1)[1]
    command = [
        str(SIGNOFF),
        "serve",
        "--port",
        port,
        "--workers",
        str(options.workers),
        "--data-dir",
        str(data_dir),
        "--database-url",
        database_url,
    ]
    env = {
        **os.environ,
        "SIGNOFF_BASE_URL": url,
        "SIGNOFF_RATE_LIMIT_PER_MINUTE": "100000000",  # measure the work, not the guard
    }
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 (our own executable)
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"signoff serve exited: see {log}\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    _stop(server)
    raise SystemExit("signoff serve did not answer /healthz within 60 s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _locust(
    user_class: str,
    options: argparse.Namespace,
    url: str,
    world_file: Path,
    prefix: Path,
) -> dict[str, Endpoint]:
    users = str(options.users)
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(HERE / "locustfile.py"),
        user_class,
        "--headless",
        "--users",
        users,
        "--spawn-rate",
        users,
        "--run-time",
        f"{options.seconds}s",
        "--host",
        url,
        "--json-file",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "ERROR",
    ]
    env = {
        **os.environ,
        "SIGNOFF_LOADTEST_WORLD": str(world_file),
        "SIGNOFF_LOADTEST_LOG": str(world_file.with_name("approvals.log")),
        "PYTHONPATH": os.pathsep.join(
            [str(HERE.parent), os.environ.get("PYTHONPATH", "")]
        ),
    }
    # Locust exits 1 when any request failed; the failures are read from its CSV.
    finished = subprocess.run(  # noqa: S603 (our own interpreter)
        command, env=env, capture_output=True, text=True, check=False
    )
    if not Path(f"{prefix}.json").exists():
        raise SystemExit(f"locust did not run:\n{finished.stderr[-4000:]}")
    stats = read_stats(Path(f"{prefix}.json"))
    if stats[TOTAL].requests == 0:
        raise SystemExit(f"locust sent no request:\n{finished.stderr[-4000:]}")
    return stats


def _check_store(database_url: str, data_dir: Path, log: Path) -> list[str]:
    """What the server stored must be what was acknowledged, and no more than was
    sent: every acknowledged approval stored once, nothing stored that nobody sent."""
    sent, acknowledged = _logged(log)
    engine = make_engine(database_url)
    try:
        with Database(engine).read() as session:
            rows = session.execute(
                select(Decision.approver_id, ApprovalRequest.page_id).join(
                    ApprovalRequest, ApprovalRequest.id == Decision.request_id
                )
            )
            stored = [(approver_id, page_id) for approver_id, page_id in rows]
    finally:
        engine.dispose()
    problems = []
    if len(stored) != len(set(stored)):
        problems.append(f"{len(stored) - len(set(stored))} approvals stored twice")
    if lost := acknowledged - set(stored):
        problems.append(f"{len(lost)} acknowledged approvals are not stored")
    if unsent := set(stored) - sent:
        problems.append(f"{len(unsent)} approvals stored that nobody sent")
    verify = subprocess.run(  # noqa: S603 (our own executable)
        [
            str(SIGNOFF),
            "audit",
            "verify",
            "--data-dir",
            str(data_dir),
            "--database-url",
            database_url,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if verify.returncode != 0:
        problems.append(f"the audit chain does not verify: {verify.stdout.strip()}")
    return problems


def _lines(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def _logged(log: Path) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    sent: set[tuple[int, int]] = set()
    acknowledged: set[tuple[int, int]] = set()
    for line in _lines(log):
        what, *rest = line.split()
        if what in ("sent", "ok"):
            pair = (int(rest[0]), int(rest[1]))
            (sent if what == "sent" else acknowledged).add(pair)
    return sent, acknowledged


def _figures(
    options: argparse.Namespace,
    database: str,
    mixed: dict[str, Endpoint],
    trivial: dict[str, Endpoint],
    problems: list[str],
) -> dict[str, object]:
    total, ceiling = mixed[TOTAL], trivial[TOTAL]
    return {
        "users": options.users,
        "seconds": options.seconds,
        "pagesPending": options.pages,
        "database": database,
        "workers": options.workers,
        "mixed": {name: row.to_json() for name, row in mixed.items()},
        "trivial": ceiling.to_json(),
        "throughputOfCeiling": ceiling_ratio(total, ceiling),
        "p50OverCeiling": round(total.p50_ms / ceiling.p50_ms, 1)
        if ceiling.p50_ms
        else None,
        "problems": problems,
    }


def _print_table(
    figures: dict[str, object],
    mixed: dict[str, Endpoint],
    trivial: dict[str, Endpoint],
) -> None:
    print(f"database: {figures['database']}, server processes: {figures['workers']}")
    print(
        f"{'endpoint':<16}{'requests':>10}{'failed':>8}{'req/s':>9}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    labels = {TOTAL: "mixed, all"}
    rows = [(labels.get(name, name), row) for name, row in mixed.items()]
    rows.append(("livez (ceiling)", trivial[TOTAL]))
    for name, row in rows:
        print(
            f"{name:<16}{row.requests:>10}{row.failures:>8}{row.per_second:>9}"
            f"{row.p50_ms:>9.0f}{row.p95_ms:>9.0f}{row.p99_ms:>9.0f}"
        )
    print(f"mixed throughput / ceiling: {figures['throughputOfCeiling']}")
    for problem in figures["problems"]:  # type: ignore[attr-defined]
        print(f"PROBLEM: {problem}")


if __name__ == "__main__":
    raise SystemExit(main())
