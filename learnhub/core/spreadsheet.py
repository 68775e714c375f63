"""Rows of text as a CSV download that a spreadsheet opens safely: a cell that a spreadsheet
would read as a formula (CSV injection) is defused with a leading apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from werkzeug.wrappers import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def defuse(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def to_csv(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([defuse("" if cell is None else str(cell)) for cell in row])
    return buffer.getvalue()


def csv_download(rows: Iterable[Sequence[object]], filename: str) -> Response:
    """A download never kept by a browser's or a proxy's cache."""
    response = Response(to_csv(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
