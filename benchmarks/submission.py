"""Report submission under load: LearnHub's whole reporter flow against a bare insert endpoint.

    python3 -m benchmarks.submission [--clients 1,10,50] [--rounds 3] [--seconds 5]
                                     [--workers 2] [--threads 4]

In one run, on a throwaway PostgreSQL database (created on LEARNHUB_BENCH_POSTGRES, default
postgresql://root@127.0.0.1:5432/postgres, and dropped at the end):

- LearnHub (``learnhub init``, production settings, the anonymous submission limit raised out of
  reach) under gunicorn with LearnHub's gunicorn.conf.py;
- benchmarks/bare_app.py (Flask + Flask-SQLAlchemy, one INSERT per POST, and two constant
  pages) under gunicorn with the same workers and threads.

The load comes from benchmarks/loadgen.py in a separate process (aiohttp, one keep-alive
connection and cookie jar per simulated client). A LearnHub *flow* is five requests: GET /report,
POST /report (the answers, 302), GET /report/check, POST /report/submit (Send, 302),
GET /report/confirmation.

Rounds: at each number of clients the bare endpoint, the bare app's own five-request flow and
LearnHub take turns, ``--rounds`` times, in a different order each round, so that all three see
the same conditions on a shared machine. Each figure compared is the median of the rounds' own
ratios; every round is printed too.

Which figures are compared, at each number of clients, both against the bare endpoint's POSTs
per second and p95:

- the per-request reading: LearnHub's requests per second (all five requests of the flow)
  against the bare endpoint's (target >= 0.6), and per-request p95 (target <= 2x);
- the reading where one report submission is the whole flow: reports filed per second against
  rows inserted per second (target >= 0.6) and the whole flow's p95 against one bare POST's
  (target <= 2x). No app can meet this one with a flow of five requests, and the run shows it:
  the bare app's own flow (four constant pages and the insert) is measured beside LearnHub as
  the most that reading allows.

Worker settings: gthread, 2 workers x 4 threads by default. The machine has 2 cores and the load
generator needs a share of them: one process per core, with a few threads each to overlap
database round trips, is the most the CPU can use; more workers only add context switches.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence

from benchmarks import servers
from benchmarks.results import Row, emit

THROUGHPUT_TARGET = 0.6
P95_TARGET = 2.0


def load(target: str, base: str, clients: int, seconds: float, warmup: float) -> dict:
    command = ["-m", "benchmarks.loadgen", target, base, str(clients), str(seconds), str(warmup)]
    output = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, *command],
        cwd=servers.ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    if output.stderr:
        print(output.stderr.rstrip(), file=sys.stderr)
    return json.loads(output.stdout)


TARGETS = ("bare", "bare-flow", "learnhub")


def measure(args: argparse.Namespace) -> dict[int, list[dict[str, dict]]]:
    """Both servers run side by side; at each number of clients, every round measures the bare
    endpoint, the bare flow and LearnHub, in an order that turns round by round."""
    rounds: dict[int, list[dict[str, dict]]] = {}
    with servers.throwaway_postgres() as database_url:
        learnhub_env = servers.learnhub_environment(database_url)
        servers.run_learnhub_init(learnhub_env)
        from benchmarks.bare_app import create_schema

        create_schema(database_url)
        bare_env = {**os.environ, "BARE_DATABASE_URL": database_url}
        settings = {"workers": args.workers, "threads": args.threads}
        with (
            servers.gunicorn("benchmarks.bare_app:app", bare_env, **settings) as bare_url,
            servers.gunicorn("wsgi:app", learnhub_env, **settings) as learnhub_url,
        ):
            bases = {"bare": bare_url, "bare-flow": bare_url, "learnhub": learnhub_url}
            # Every worker thread's first requests (connections, templates) are not measured.
            for target in ("bare", "learnhub"):
                load(target, bases[target], 2 * args.workers * args.threads, args.warmup, 0)
            for clients in args.clients:
                rounds[clients] = []
                for number in range(args.rounds):
                    turn = number % len(TARGETS)
                    order = TARGETS[turn:] + TARGETS[:turn]
                    results = {
                        target: load(target, bases[target], clients, args.seconds, args.warmup)
                        for target in order
                    }
                    rounds[clients].append(results)
                    print_round(clients, number + 1, results)
    return rounds


def print_round(clients: int, number: int, results: dict[str, dict]) -> None:
    bare, ours, flow = results["bare"], results["learnhub"], results["bare-flow"]
    print(
        f"  {clients:>3} clients, round {number}: bare {bare['requests_per_s']:.0f} POST/s "
        f"p95 {bare['p95_ms']:.1f} ms | LearnHub {ours['requests_per_s']:.0f} req/s "
        f"p95 {ours['p95_ms']:.1f} ms, {ours['flows_per_s']:.0f} flows/s | bare flow "
        f"{flow['flows_per_s']:.0f} flows/s | errors "
        f"{sum(result['errors'] for result in results.values())}",
        flush=True,
    )
    steps = ours.get("by_kind", {})
    print(
        "        LearnHub p50/p95 ms: "
        + "  ".join(f"{kind} {v['p50_ms']:.1f}/{v['p95_ms']:.1f}" for kind, v in steps.items())
        + f"  whole flow {ours['flow_p50_ms']:.1f}/{ours['flow_p95_ms']:.1f}",
        flush=True,
    )


def ratios(results: dict[str, dict]) -> dict[str, float]:
    """One round's comparisons, each against the bare endpoint of the same round."""
    bare, ours, flow = results["bare"], results["learnhub"], results["bare-flow"]
    return {
        "requests": ours["requests_per_s"] / bare["requests_per_s"],
        "p95": ours["p95_ms"] / bare["p95_ms"],
        "flows": ours["flows_per_s"] / bare["requests_per_s"],
        "flow p95": ours["flow_p95_ms"] / bare["p95_ms"],
        "bare flows": flow["flows_per_s"] / bare["requests_per_s"],
        "bare flow p95": flow["flow_p95_ms"] / bare["p95_ms"],
    }


def median_of(rounds: list[dict[str, dict]], key: str) -> float:
    return statistics.median(ratios(results)[key] for results in rounds)


def median_figure(rounds: list[dict[str, dict]], target: str, figure: str) -> float:
    return statistics.median(results[target][figure] for results in rounds)


def spread(rounds: list[dict[str, dict]], key: str) -> str:
    values = [ratios(results)[key] for results in rounds]
    return f"{min(values):.2f}-{max(values):.2f}"


def report(figures: dict[int, list[dict[str, dict]]], args: argparse.Namespace) -> list[Row]:
    print()
    print(
        f"gunicorn gthread, {args.workers} workers x {args.threads} threads each; "
        f"{args.rounds} rounds of {args.seconds:.0f} s per target and level, each after "
        f"{args.warmup:.0f} s warm-up; PostgreSQL. Medians of the rounds (range in brackets)."
    )
    header = (
        f"{'clients':>7} | {'bare POST/s':>11} {'p95':>6} | {'LH req/s':>8} {'p95':>6} | "
        f"{'req/s ratio':>17} {'p95 ratio':>17} | {'flows ratio':>11} {'bare flow':>9}"
    )
    print(header)
    print("-" * len(header))
    rows: list[Row] = []
    for clients, rounds in figures.items():
        ratio, p95_ratio = median_of(rounds, "requests"), median_of(rounds, "p95")
        flow_ratio, flow_p95 = median_of(rounds, "flows"), median_of(rounds, "flow p95")
        ceiling, ceiling_p95 = median_of(rounds, "bare flows"), median_of(rounds, "bare flow p95")
        errors = sum(result["errors"] for results in rounds for result in results.values())
        print(
            f"{clients:>7} | {median_figure(rounds, 'bare', 'requests_per_s'):>11.1f} "
            f"{median_figure(rounds, 'bare', 'p95_ms'):>6.1f} | "
            f"{median_figure(rounds, 'learnhub', 'requests_per_s'):>8.1f} "
            f"{median_figure(rounds, 'learnhub', 'p95_ms'):>6.1f} | "
            f"{ratio:>5.2f} ({spread(rounds, 'requests'):>9}) "
            f"{p95_ratio:>5.2f} ({spread(rounds, 'p95'):>9}) | {flow_ratio:>11.2f} {ceiling:>9.2f}"
        )
        rows += [
            Row(f"bare POSTs/s @{clients}", median_figure(rounds, "bare", "requests_per_s"), "/s"),
            Row(
                f"LearnHub requests/s @{clients}",
                median_figure(rounds, "learnhub", "requests_per_s"),
                "/s",
            ),
            Row(
                f"LearnHub flows/s @{clients}",
                median_figure(rounds, "learnhub", "flows_per_s"),
                "/s",
            ),
            Row(
                f"requests/s vs bare @{clients}",
                ratio,
                "x",
                f">= {THROUGHPUT_TARGET}",
                ratio >= THROUGHPUT_TARGET,
            ),
            Row(
                f"p95 vs bare @{clients}",
                p95_ratio,
                "x",
                f"<= {P95_TARGET}",
                p95_ratio <= P95_TARGET,
            ),
            Row(
                f"flows/s vs bare POSTs/s @{clients}",
                flow_ratio,
                "x",
                f">= {THROUGHPUT_TARGET}",
                flow_ratio >= THROUGHPUT_TARGET,
            ),
            Row(
                f"flow p95 vs bare p95 @{clients}",
                flow_p95,
                "x",
                f"<= {P95_TARGET}",
                flow_p95 <= P95_TARGET,
            ),
            Row(f"bare 5-request flows/s vs bare POSTs/s @{clients}", ceiling, "x"),
            Row(f"bare 5-request flow p95 vs bare p95 @{clients}", ceiling_p95, "x"),
            Row(f"errors @{clients}", errors, "", "0", not errors),
        ]
    print(
        "\nreq/s ratio and p95 ratio: the per-request reading (all five requests of the flow "
        "against bare POSTs). flows ratio: reports filed per second against bare POSTs per "
        "second; bare flow: the same for the bare app's own five-request flow, the most any "
        "app can reach on that reading."
    )
    return rows


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="per target, level and round")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    args.clients = [int(n) for n in args.clients.split(",")]
    return args


def main(argv: Sequence[str] | None = None) -> list[Row]:
    args = parse_args(argv)
    return report(measure(args), args)


if __name__ == "__main__":
    sys.exit(emit(main(sys.argv[1:])))
