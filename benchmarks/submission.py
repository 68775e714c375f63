"""Report submission under load: LearnHub's whole reporter flow against a bare insert endpoint.

    python3 -m benchmarks.submission [--clients 1,10,50] [--seconds 15] [--workers 2] [--threads 4]

In one run, on a throwaway PostgreSQL database (created on LEARNHUB_BENCH_POSTGRES, default
postgresql://root@127.0.0.1:5432/postgres, and dropped at the end):

- LearnHub (``learnhub init``, production settings, the anonymous submission limit raised out of
  reach) under gunicorn with LearnHub's gunicorn.conf.py;
- benchmarks/bare_app.py (Flask + Flask-SQLAlchemy, one INSERT per POST) under gunicorn with the
  same workers and threads.

The load comes from benchmarks/loadgen.py in a separate process (aiohttp, one keep-alive
connection and cookie jar per simulated client). A LearnHub *flow* is four requests: GET /report,
POST /report (check page), POST /report/submit (Send, 302), GET /report/confirmation.

Which figures are compared, at each number of clients, both against the bare endpoint's POSTs
per second and p95: the issue's reading, where one report submission is the whole flow, so
reports filed per second (flows/s) against rows inserted per second (target >= 0.6) and the
whole flow's p95 against one bare POST's (target <= 2 x); and the per-request reading,
LearnHub's requests per second (all four requests of the flow) and per-request p95 against the
same bare figures. The per-request reading counts a GET of a page as one unit of throughput,
the same as an insert, so it is the easier of the two; both are printed and both carry their
targets.

Worker settings: gthread, 2 workers x 4 threads by default. The machine has 2 cores and the load
generator needs a share of them: one process per core, with a few threads each to overlap
database round trips, is the most the CPU can use; more workers only add context switches.
"""

from __future__ import annotations

import argparse
import json
import os
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


def measure(args: argparse.Namespace) -> dict[str, dict[int, dict]]:
    """Both servers run side by side; at each number of clients the bare endpoint is measured
    and then LearnHub, so that both see the same conditions on a shared machine."""
    figures: dict[str, dict[int, dict]] = {"learnhub": {}, "bare": {}, "bare-flow": {}}
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
                for target, base in bases.items():
                    result = load(target, base, clients, args.seconds, args.warmup)
                    figures[target][clients] = result
                    print(
                        f"  {target:<9}{clients:>3} clients: {result['requests_per_s']:8.1f} req/s"
                        f"  p50 {result['p50_ms']:6.1f} ms  p95 {result['p95_ms']:6.1f} ms"
                        f"  errors {result['errors']}",
                        flush=True,
                    )
                    if target == "learnhub":
                        print_steps(result)
    return figures


def print_steps(result: dict) -> None:
    """Each request of the flow on its own: which one sets the p95."""
    steps = result.get("by_kind", {})
    print(
        "             "
        + "  ".join(
            f"{kind} p50 {step['p50_ms']:.1f} p95 {step['p95_ms']:.1f} ms"
            for kind, step in steps.items()
        ),
        flush=True,
    )


def report(figures: dict[str, dict[int, dict]], args: argparse.Namespace) -> list[Row]:
    print()
    print(
        f"gunicorn gthread, {args.workers} workers x {args.threads} threads each; "
        f"{args.seconds:.0f} s per level after {args.warmup:.0f} s warm-up; PostgreSQL"
    )
    header = (
        f"{'clients':>7} | {'bare POST/s':>11} {'p50':>6} {'p95':>6} | "
        f"{'LH req/s':>8} {'flows/s':>7} {'p50':>6} {'p95':>6} | "
        f"{'req/s ratio':>11} {'flows ratio':>11} {'p95 ratio':>9} | errors"
    )
    print(header)
    print("-" * len(header))
    rows: list[Row] = []
    for clients in args.clients:
        bare, ours = figures["bare"][clients], figures["learnhub"][clients]
        ceiling = figures["bare-flow"][clients]
        ratio = ours["requests_per_s"] / bare["requests_per_s"]
        flow_ratio = ours["flows_per_s"] / bare["requests_per_s"]
        ceiling_ratio = ceiling["flows_per_s"] / bare["requests_per_s"]
        p95_ratio = ours["p95_ms"] / bare["p95_ms"]
        flow_p95_ratio = ours["flow_p95_ms"] / bare["p95_ms"]
        ceiling_p95_ratio = ceiling["flow_p95_ms"] / bare["p95_ms"]
        print(
            f"{clients:>7} | {bare['requests_per_s']:>11.1f} {bare['p50_ms']:>6.1f} "
            f"{bare['p95_ms']:>6.1f} | {ours['requests_per_s']:>8.1f} {ours['flows_per_s']:>7.1f} "
            f"{ours['p50_ms']:>6.1f} {ours['p95_ms']:>6.1f} | {ratio:>11.2f} {flow_ratio:>11.2f} "
            f"{p95_ratio:>9.2f} | {bare['errors'] + ours['errors']}"
        )
        rows += [
            Row(f"bare POSTs/s @{clients}", bare["requests_per_s"], "/s"),
            Row(f"LearnHub requests/s @{clients}", ours["requests_per_s"], "/s"),
            Row(f"LearnHub flows/s @{clients}", ours["flows_per_s"], "/s"),
            Row(
                f"requests/s vs bare @{clients}",
                ratio,
                "x",
                f">= {THROUGHPUT_TARGET}",
                ratio >= THROUGHPUT_TARGET,
            ),
            Row(
                f"flows/s vs bare POSTs/s @{clients}",
                flow_ratio,
                "x",
                f">= {THROUGHPUT_TARGET}",
                flow_ratio >= THROUGHPUT_TARGET,
            ),
            Row(
                f"p95 vs bare @{clients}",
                p95_ratio,
                "x",
                f"<= {P95_TARGET}",
                p95_ratio <= P95_TARGET,
            ),
            Row(
                f"flow p95 vs bare p95 @{clients}",
                flow_p95_ratio,
                "x",
                f"<= {P95_TARGET}",
                flow_p95_ratio <= P95_TARGET,
            ),
            Row(f"bare 4-request flows/s vs bare POSTs/s @{clients}", ceiling_ratio, "x"),
            Row(f"bare 4-request flow p95 vs bare p95 @{clients}", ceiling_p95_ratio, "x"),
            Row(
                f"errors @{clients}",
                bare["errors"] + ours["errors"] + ceiling["errors"],
                "",
                "0",
                not (bare["errors"] + ours["errors"] + ceiling["errors"]),
            ),
        ]
    print()
    print("Per request kind (LearnHub, p50 / p95 ms):")
    for clients in args.clients:
        kinds = figures["learnhub"][clients]["by_kind"]
        parts = [f"{kind} {v['p50_ms']:.1f}/{v['p95_ms']:.1f}" for kind, v in kinds.items()]
        flow = figures["learnhub"][clients]
        print(
            f"  {clients:>3} clients: "
            + "  ".join(parts)
            + f"  whole flow {flow['flow_p50_ms']:.1f}/{flow['flow_p95_ms']:.1f}"
        )
    print()
    print("The bare app's own four-request flow (three constant pages and the insert):")
    for clients in args.clients:
        ceiling, bare = figures["bare-flow"][clients], figures["bare"][clients]
        print(
            f"  {clients:>3} clients: {ceiling['flows_per_s']:.1f} flows/s, "
            f"{ceiling['flows_per_s'] / bare['requests_per_s']:.2f} of bare POSTs/s; whole flow "
            f"p95 {ceiling['flow_p95_ms']:.1f} ms, {ceiling['flow_p95_ms'] / bare['p95_ms']:.2f}x "
            "bare p95"
        )
    print(
        "\nCompared with bare POSTs/s and bare p95: the issue's reading, 'flows ratio' (reports "
        "filed/s) and the whole flow's p95; the per-request reading, 'req/s ratio' (all four "
        "requests of the flow) and per-request p95. The bare app's own flow of the same shape "
        "is the most the issue's reading allows any app."
    )
    return rows


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
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
