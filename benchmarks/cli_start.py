"""How long the ``learnhub`` command takes to print its help: the median wall time of N runs.

Run with ``python3 -m benchmarks.cli_start [--runs N] [--importtime]``. Each run is a fresh
process, as an operator types it: ``learnhub --help`` (the installed console script, skipped with
a note when the project is not installed), ``python3 -m learnhub --help`` and
``python3 -m learnhub db --help`` (one group, Flask-Migrate's). Target: under 0.5 s for the first
two (issue 17). ``--importtime`` also lists the imports that cost most in ``python3 -X importtime
-m learnhub --help``, to show what is still loaded at start.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.results import Row, emit

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.5


def environment() -> dict[str, str]:
    """This checkout first on the path, so ``-m learnhub`` runs the code being measured."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def console_script() -> str | None:
    """The ``learnhub`` script installed beside this interpreter, else the one on PATH."""
    beside = Path(sys.executable).with_name("learnhub")
    return str(beside) if beside.exists() else shutil.which("learnhub")


def child_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_seconds(command: Sequence[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of a run. On a shared machine the
    wall time grows with the load while the CPU time barely does, so both are printed."""
    wall, cpu = [], []
    for _ in range(runs):
        started, cpu_before = time.perf_counter(), child_cpu_seconds()
        subprocess.run(  # noqa: S603 - our own interpreter and command
            command, env=environment(), cwd=ROOT, capture_output=True, check=True
        )
        wall.append(time.perf_counter() - started)
        cpu.append(child_cpu_seconds() - cpu_before)
    return statistics.median(wall), statistics.median(cpu)


def import_offenders(limit: int) -> list[tuple[int, str]]:
    """The costliest imports (cumulative microseconds, module) under ``-X importtime``; only
    modules imported directly by others' top level, so a chain is not counted once per link."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "learnhub", "--help"],
        env=environment(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        if depth <= 1:
            rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:limit]


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args(argv)

    commands: list[tuple[str, list[str], bool]] = []
    script = console_script()
    if script is None:
        print("learnhub is not installed (pip install -e .): skipped `learnhub --help`")
    else:
        commands.append(("learnhub --help", [script, "--help"], True))
    commands.append(
        ("python3 -m learnhub --help", [sys.executable, "-m", "learnhub", "--help"], True)
    )
    commands.append(
        ("python3 -m learnhub db --help", [sys.executable, "-m", "learnhub", "db", "--help"], False)
    )
    # The floor: Flask's own command-line module, which any Flask CLI imports before it can answer.
    commands.append(
        ("import flask.cli (Flask alone)", [sys.executable, "-c", "import flask.cli"], False)
    )

    rows = []
    load = "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    print(f"Median of {args.runs} runs, each a new process (load average {load}):")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("  (PYTHONDONTWRITEBYTECODE is set: every run compiles the modules it imports)")
    for name, command, has_target in commands:
        median_seconds(command, 1)  # once unmeasured, so every measured run finds warm disk caches
        seconds, cpu_seconds = median_seconds(command, args.runs)
        print(f"  {name:<32} {seconds:6.3f} s wall  {cpu_seconds:6.3f} s CPU")
        target = f"< {TARGET_SECONDS} s" if has_target else ""
        rows.append(
            Row(
                name,
                round(seconds, 3),
                "s",
                target,
                seconds < TARGET_SECONDS if has_target else None,
            )
        )

    if args.importtime:
        print("\nCostliest imports of `python3 -m learnhub --help` (cumulative, top two levels):")
        for microseconds, module in import_offenders(15):
            print(f"  {microseconds / 1000:8.1f} ms  {module}")
    return rows


if __name__ == "__main__":
    sys.exit(emit(main()))
