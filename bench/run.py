"""`make bench`: Halqa's key pages against a bare-Django ceiling, at 1× and 100× data.

    python -m bench.run [--scales 1,100] [--seconds 5] [--rounds 2] [--reseed] [--no-readme]

For each scale: seed the benchmark database (bench/seed.py; kept between runs, re-seeded when the
scale changes or with --reseed), fill the ceiling's table, start Halqa and the ceiling under
gunicorn with scripts/serve.py's workers and threads, each on its own port, and load every key page
with wrk, alternating with the ceiling round by round, at 16 connections. The table goes to stdout
and replaces this database's section of bench/README.md (between its markers).

SQLite by default; DATABASE_URL=postgres://… runs on PostgreSQL (databases <name>_1x, <name>_100x).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import PAGES, ROOT, VAR, database_url, django_env, new_secret_key, vendor

WORKERS, THREADS = 2, 4  # as scripts/serve.py
CONNECTIONS = 16
WRK_THREADS = 2
README = ROOT / "bench" / "README.md"
REPORTER = ROOT / "bench" / "report.lua"
BIN = Path(sys.executable).parent

# The targets (issue 10, "A benchmark against the ceiling").
TARGET_RATIO = 0.30
TARGET_QUERIES = 15
TARGET_P95_MS = 150
TARGET_GROWTH = 1.5


def ensure_wrk() -> str:
    """wrk from Debian, installed here when missing (as .ci/run installs what it needs)."""
    found = shutil.which("wrk")
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        print("Installing wrk (apt-get install wrk)…", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], check=False)
        found = shutil.which("wrk")
    if found is None:
        raise SystemExit("bench needs wrk: apt-get install wrk")
    return found


class Server:
    """One gunicorn, as scripts/serve.py starts it (without the access log, for both servers)."""

    def __init__(self, name: str, wsgi: str, port: int, env: dict[str, str]):
        self.name, self.port = name, port
        self.log = (VAR / f"{name}.log").open("w")
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                wsgi,
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--threads",
                str(THREADS),
                "--graceful-timeout",
                "5",
                "--no-control-socket",  # two servers (and someone's `make run`) would share its path
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, path: str, headers: dict[str, str], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                status = fetch_status(self.port, path, headers)
            except OSError:
                status = None
            if status == 200:
                return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{self.name} did not answer 200 on {path} (got {status}); see {self.log.name}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def fetch_status(port: int, path: str, headers: dict[str, str]) -> int:
    """The status of one GET, redirects not followed (a 302 to the sign-in page is a failure here)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wrk(binary: str, port: int, path: str, headers: dict[str, str], seconds: int) -> dict[str, float]:
    command = [binary, f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(REPORTER)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    values = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", line)}
    return {
        "rps": values["requests"] / (values["duration_us"] / 1e6),
        "requests": values["requests"],
        "p50": values["p50"] / 1000,
        "p95": values["p95"] / 1000,
        "p99": values["p99"] / 1000,
        "errors": values["status_errors"] + values["socket_errors"],
    }


def mean_of(runs: list[dict[str, float]]) -> dict[str, float]:
    keys = ("rps", "p50", "p95", "p99")
    summary = {key: sum(run[key] for run in runs) / len(runs) for key in keys}
    summary["errors"] = sum(run["errors"] for run in runs)
    summary["requests"] = sum(run["requests"] for run in runs)
    return summary


def run_scale(factor: int, args, wrk_binary: str, secret: str) -> dict[str, Any]:
    url = database_url(os.environ.get("DATABASE_URL"), factor)
    VAR.mkdir(parents=True, exist_ok=True)
    summary_file = VAR / f"{vendor(url)}-{factor}x-run.json"
    seed = [sys.executable, "-m", "bench.seed", "--scale", str(factor), "--out", str(summary_file)]
    seed += ["--cases-per-school", str(args.cases_per_school)]
    subprocess.run(seed + (["--reseed"] if args.reseed else []), cwd=ROOT, env=django_env(url, secret), check=True)
    info = json.loads(summary_file.read_text())
    ceiling_env = django_env(url, secret, settings="bench.ceiling.settings")
    prepared = subprocess.run(
        [sys.executable, "-m", "bench.ceiling.prepare", info["session_key"]],
        cwd=ROOT,
        env=ceiling_env,
        capture_output=True,
        text=True,
        check=True,
    )
    ceiling_info = json.loads(prepared.stdout.strip().splitlines()[-1])
    bad = {key: q["status"] for key, q in info["queries"].items() if q["status"] != 200}
    if bad or ceiling_info["status"] != 200:
        raise SystemExit(f"pages that do not answer 200 for the benchmark user: {bad or ceiling_info}")

    app = Server(f"app-{factor}x", "halqa.wsgi", args.port, django_env(url, secret))
    ceiling = Server(f"ceiling-{factor}x", "bench.ceiling.wsgi", args.port + 1, ceiling_env)
    ceiling_path, session = ceiling_info["path"], info["session_header"]
    results: dict[str, Any] = {"pages": {}, "info": info, "ceiling": ceiling_info}
    try:
        app.wait_ready(info["urls"]["home"], info["headers"]["home"])
        ceiling.wait_ready(ceiling_path, session)
        for page in PAGES:
            status = fetch_status(app.port, info["urls"][page.key], info["headers"][page.key])
            if status != 200:
                raise SystemExit(f"{page.label} answers {status} under gunicorn; see {app.log.name}")
        # Warm both: imports, templates, connections of every worker thread.
        for page in PAGES:
            wrk(wrk_binary, app.port, info["urls"][page.key], info["headers"][page.key], 1)
        wrk(wrk_binary, ceiling.port, ceiling_path, session, 2)
        for page in PAGES:
            app_runs, ceiling_runs = [], []
            for round_number in range(args.rounds):
                legs = [
                    (app_runs, app.port, info["urls"][page.key], info["headers"][page.key]),
                    (ceiling_runs, ceiling.port, ceiling_path, session),
                ]
                for runs, port, path, headers in legs if round_number % 2 == 0 else reversed(legs):
                    runs.append(wrk(wrk_binary, port, path, headers, args.seconds))
            app_result, ceiling_result = mean_of(app_runs), mean_of(ceiling_runs)
            results["pages"][page.key] = {
                "app": app_result,
                "ceiling": ceiling_result,
                "ratio": app_result["rps"] / ceiling_result["rps"] if ceiling_result["rps"] else 0.0,
                "queries": info["queries"][page.key]["queries"],
                "path": info["urls"][page.key],
            }
            print(
                f"  {factor:>3}× {page.label:<20} {app_result['rps']:7.1f} req/s "
                f"p95 {app_result['p95']:6.1f} ms · ceiling {ceiling_result['rps']:7.1f} req/s "
                f"· {100 * results['pages'][page.key]['ratio']:3.0f} % · {results['pages'][page.key]['queries']} queries",
                flush=True,
            )
    finally:
        app.stop()
        ceiling.stop()
    return results


def machine() -> dict[str, str]:
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor()
    memory = subprocess.run(["free", "-g"], capture_output=True, text=True, check=False).stdout.splitlines()
    total = memory[1].split()[1] if len(memory) > 1 else "?"
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory_gb": total,
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _growth(before: dict[str, float], after: dict[str, float]) -> float:
    """How much worse `after` is than `before`: the larger of the req/s drop and the p95 rise."""
    slower = before["rps"] / after["rps"] if after["rps"] else float("inf")
    later = after["p95"] / before["p95"] if before["p95"] else float("inf")
    return max(slower, later)


def render(database: str, results: dict[int, dict[str, Any]], host: dict[str, str], started: str, args) -> str:
    """The results section of bench/README.md for one database."""
    factors = sorted(results)
    low, high = factors[0], factors[-1]
    version = results[high]["info"]["database_version"]
    counts = results[high]["info"]["counts"]
    rounds = f"{args.rounds} round{'s' if args.rounds != 1 else ''} of {args.seconds} s"
    lines = [
        f"### {'SQLite' if database == 'sqlite' else 'PostgreSQL'}",
        "",
        f"Run {started} UTC on {host['cpus']} CPUs ({host['cpu']}), {host['memory_gb']} GB of memory, "
        f"{host['system']}, Python {host['python']}, {version}; load average at the start {host['load']}. "
        f"wrk: {CONNECTIONS} connections, {rounds} per page and as many of the ceiling, alternating; "
        f"gunicorn {WORKERS} workers × {THREADS} threads. {high}×: {counts['schools']:,} schools, "
        f"{counts['people']:,} people, {counts['communities']:,} communities, {counts['posts']:,} posts, "
        f"{counts.get('cases', 0):,} cases. "
        f"Benchmark user #{results[high]['info']['user_id']}; community and API detail: "
        f"`{results[high]['info']['urls']['community']}`.",
        "",
    ]
    header = ["Page", "Queries"]
    for factor in factors:
        header += [f"{factor}× req/s", f"{factor}× p50 / p95 / p99 ms", f"{factor}× of ceiling"]
    if len(factors) > 1:
        header.append(f"{high}× vs {low}×")
    lines += ["| " + " | ".join(header) + " |", "|---|" + "--:|" * (len(header) - 1)]
    verdicts = []
    for page in PAGES:
        queries = [results[f]["pages"][page.key]["queries"] for f in factors]
        cells = [page.label, " → ".join(str(q) for q in dict.fromkeys(queries))]
        for factor in factors:
            row = results[factor]["pages"][page.key]
            app = row["app"]
            errors = f" ({app['errors']} errors)" if app["errors"] else ""
            cells += [
                f"{app['rps']:.0f}{errors}",
                f"{app['p50']:.0f} / {app['p95']:.0f} / {app['p99']:.0f}",
                f"{100 * row['ratio']:.0f} %",
            ]
        growth = _growth(results[low]["pages"][page.key]["app"], results[high]["pages"][page.key]["app"])
        if len(factors) > 1:
            cells.append(f"{growth:.2f}×")
        lines.append("| " + " | ".join(cells) + " |")
        verdicts.append(
            (
                page.label,
                min(results[f]["pages"][page.key]["ratio"] for f in factors) >= TARGET_RATIO,
                max(queries) <= TARGET_QUERIES,
                all(0 < results[f]["pages"][page.key]["app"]["p95"] < TARGET_P95_MS for f in factors),
                growth <= TARGET_GROWTH if len(factors) > 1 else None,
            )
        )
    cells = ["*Ceiling*", str(results[high]["ceiling"]["queries"])]
    for factor in factors:
        ceiling = mean_of([results[factor]["pages"][p.key]["ceiling"] for p in PAGES])
        cells += [f"{ceiling['rps']:.0f}", f"{ceiling['p50']:.0f} / {ceiling['p95']:.0f} / {ceiling['p99']:.0f}", ""]
    if len(factors) > 1:
        ceilings = [mean_of([results[f]["pages"][p.key]["ceiling"] for p in PAGES]) for f in (low, high)]
        cells.append(f"{_growth(*ceilings):.2f}×")
    lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Queries: one request of the benchmark user, counted with the test client. “of ceiling”: the page's "
        f"req/s over the ceiling's in the rounds next to it. “{high}× vs {low}×”: the larger of the req/s "
        f"drop and the p95 rise.",
        "",
        f"| Target | ≥ {TARGET_RATIO:.0%} of ceiling | ≤ {TARGET_QUERIES} queries | p95 < {TARGET_P95_MS} ms "
        f"| {high}× within {TARGET_GROWTH}× of {low}× |",
        "|---|:-:|:-:|:-:|:-:|",
    ]
    missed = checked = 0
    for label, *marks in verdicts:
        lines.append("| " + " | ".join([label, *("–" if m is None else _mark(m) for m in marks)]) + " |")
        checked += sum(m is not None for m in marks)
        missed += sum(m is False for m in marks)
    lines += ["", f"**{missed} of {checked} targets missed.**" if missed else f"All {checked} targets met."]
    lines += [
        "",
        f"One request at {high}×, outside the load, in one process (the test client; the fastest of three): "
        "where its time goes.",
        "",
        "| Page | Total ms | SQL ms | Queries | Slowest query |",
        "|---|--:|--:|--:|---|",
    ]
    for page in PAGES:
        measured = results[high]["info"]["queries"][page.key]
        lines.append(
            f"| {page.label} | {measured['ms']:.0f} | {measured['sql_ms']:.0f} | {measured['queries']} "
            f"| {measured['slowest_ms']:.0f} ms on `{measured['slowest_table']}` |"
        )
    return "\n".join(lines) + "\n"


def write_readme(database: str, section: str) -> None:
    start, end = f"<!-- bench:{database}:start -->", f"<!-- bench:{database}:end -->"
    text = README.read_text()
    block = f"{start}\n{section}{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default=os.environ.get("BENCH_SCALES", "1,100"), help="scale factors, e.g. 1,100")
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "5")))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "2")))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8611")))
    parser.add_argument(
        "--cases-per-school",
        type=int,
        default=int(os.environ.get("BENCH_CASES_PER_SCHOOL", "1000")),
        help="cases in each school: 1,000 makes 100,000 cases at 100× (fewer for a quick check)",
    )
    parser.add_argument(
        "--reseed",
        action="store_true",
        default=os.environ.get("BENCH_RESEED") == "1",
        help="drop and seed the benchmark databases again",
    )
    parser.add_argument("--no-readme", action="store_true", help="print the table, leave bench/README.md alone")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="no load: the table again from the last run's var/bench/results-*.json",
    )
    args = parser.parse_args(argv)
    database = vendor(database_url(os.environ.get("DATABASE_URL"), 1))
    saved = VAR / f"results-{database}.json"
    if args.render_only:
        if not saved.exists():
            raise SystemExit(f"{saved.relative_to(ROOT)} is missing: run the benchmark first.")
        run = json.loads(saved.read_text())
        host, started = run["machine"], run["started"]
        args.rounds, args.seconds = run["rounds"], run["seconds"]
        results = {int(factor): result for factor, result in run["results"].items()}
    else:
        factors = [int(part) for part in args.scales.split(",") if part.strip()]
        wrk_binary = ensure_wrk()
        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
        host = machine()
        secret = new_secret_key()
        print(f"Benchmark on {database}, scales {factors}, {host['cpus']} CPUs, load {host['load']}", flush=True)
        results = {factor: run_scale(factor, args, wrk_binary, secret) for factor in factors}
        run = {"machine": host, "started": started, "rounds": args.rounds, "seconds": args.seconds, "results": results}
        saved.write_text(json.dumps(run, indent=2))
    section = render(database, results, host, started, args)
    print()
    print(section)
    if not args.no_readme:
        write_readme(database, section)
        print(f"Written to {README.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
