"""Run every benchmark and print one table: ``python3 -m benchmarks``.

    python3 -m benchmarks [--only submission,pageweight] [--full] [--markdown FILE]

Each module in BENCHMARKS runs in its own process (``python3 -m benchmarks.<name> ARGS``), its
output shown as it goes; a module that is not there is skipped with a note. Rows come from the
module's final ``BENCHMARK-RESULTS`` line (benchmarks/results.py); a module that prints none is
listed as "figures printed above". ``--full`` runs the sizes the issues name where a module has
a quicker default (themes at 10k, 100k and 1M reports; submission in 5 rounds of 10 s).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.results import Row, parse, table

ROOT = Path(__file__).resolve().parent.parent

# (module, quick arguments, --full arguments). Modules other work adds are listed here too:
# a missing one is skipped.
BENCHMARKS: list[tuple[str, list[str], list[str]]] = [
    ("identifiers", [], []),
    ("suggestions", [], []),
    ("real_reports", [], []),
    ("import_reports", [], []),
    ("themes", ["--scale", "--sizes", "10000"], ["--recovery", "--scale"]),
    ("review_queue", [], []),
    ("dashboard", [], []),
    ("bulletins", [], []),
    ("submission", [], ["--rounds", "5", "--seconds", "10"]),
    ("pageweight", [], []),
    ("cli_start", [], []),
]


def machine() -> str:
    """CPU model, cores and memory, from /proc where there is one."""
    cpu, memory = platform.processor() or platform.machine(), ""
    cpuinfo, meminfo = Path("/proc/cpuinfo"), Path("/proc/meminfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores{memory}{load}; Python {platform.python_version()}"


def run(module: str, arguments: list[str]) -> tuple[list[Row] | None, int, float]:
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        [sys.executable, "-m", f"benchmarks.{module}", *arguments],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    output = []
    for line in process.stdout:
        output.append(line)
        if not line.startswith("BENCHMARK-RESULTS "):
            print(f"  {line}", end="", flush=True)
    status = process.wait()
    return parse("".join(output)), status, time.monotonic() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated module names")
    parser.add_argument("--full", action="store_true", help="the sizes the issues name")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)
    wanted = {name for name in args.only.split(",") if name}
    rows: list[tuple[str, Row]] = []
    notes: list[str] = []
    failed = False
    for module, quick, full in BENCHMARKS:
        if wanted and module not in wanted:
            continue
        if importlib.util.find_spec(f"benchmarks.{module}") is None:
            notes.append(f"{module}: not present, skipped")
            continue
        arguments = full if args.full else quick
        print(f"== {module} {' '.join(arguments)}".rstrip(), flush=True)
        found, status, seconds = run(module, arguments)
        if found is None:
            rows.append((module, Row("(figures printed above)", "", "", "", None)))
        else:
            rows += [(module, row) for row in found]
        if status != 0 and not (found and any(row.met is False for row in found)):
            failed = True
            notes.append(f"{module}: exited with status {status}")
        notes.append(f"{module}: {seconds:.0f} s")
    result = table(rows)
    header = f"Machine: {machine()}"
    print(f"\n{header}\n\n{result}\n")
    for note in notes:
        print(f"- {note}")
    if args.markdown:
        Path(args.markdown).write_text(f"{header}\n\n{result}\n", encoding="utf-8")
    missed = any(row.met is False for _, row in rows)
    return 2 if failed else 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
