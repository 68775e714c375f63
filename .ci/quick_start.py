"""Print one command line of the README's Quick start block: ``demo`` (first) or ``test`` (second).

CI runs the README's own test command, so the README can never drift from what CI proves.
"""

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def quick_start_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```[a-z]*\n(.*?)```", section, re.DOTALL)
    if block is None:
        raise SystemExit("README.md: no fenced code block under 'Quick start'")
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    if len(lines) != 2:
        raise SystemExit(f"README.md: Quick start must hold exactly two lines, not {len(lines)}")
    return lines


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "test"
    print(quick_start_lines()[0 if which == "demo" else 1])
