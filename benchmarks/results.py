"""The one convention every benchmark module follows so ``python3 -m benchmarks`` can tabulate it.

A module's ``main(argv)`` prints whatever figures it likes and returns a list of ``Row``; run as a
script it ends with ``emit(rows)``, which prints ONE final line::

    BENCHMARK-RESULTS [{"name": ..., "value": ..., "unit": ..., "target": ..., "met": ...}, ...]

``target`` is human text (">= 0.6 x bare", "< 100 KB") or ""; ``met`` is true, false or null
(no target). A module that prints no such line still runs under ``python3 -m benchmarks``: its
output is shown and the table says it printed figures only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

MARKER = "BENCHMARK-RESULTS "


@dataclass(frozen=True)
class Row:
    name: str
    value: float | int | str
    unit: str = ""
    target: str = ""
    met: bool | None = None


def emit(rows: list[Row]) -> int:
    """Print the machine-readable line; the exit status is 1 if any target was missed."""
    print(MARKER + json.dumps([asdict(row) for row in rows]), flush=True)
    return 1 if any(row.met is False for row in rows) else 0


def parse(output: str) -> list[Row] | None:
    """The rows from a module's output (its last marker line), or None if it printed none."""
    for line in reversed(output.splitlines()):
        if line.startswith(MARKER):
            return [Row(**item) for item in json.loads(line[len(MARKER) :])]
    return None


def format_value(value: float | int | str) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else value


def table(rows: list[tuple[str, Row]]) -> str:
    """A Markdown table of (module, row) pairs, ready to paste into the README."""
    lines = [
        "| benchmark | measure | value | target | met |",
        "|---|---|---:|---|---|",
    ]
    for module, row in rows:
        met = {True: "yes", False: "**no**", None: ""}[row.met]
        value = f"{format_value(row.value)} {row.unit}".strip()
        lines.append(f"| {module} | {row.name} | {value} | {row.target} | {met} |")
    return "\n".join(lines)
