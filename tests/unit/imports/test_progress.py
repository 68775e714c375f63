"""The import's progress bar: on standard error for a person at a terminal, never otherwise."""

from __future__ import annotations

import io

import pytest

from learnhub.imports import cli


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_on_standard_error(monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", stderr)
    with cli.progress_bar(False, 10, "Importing reports") as step:
        assert step is not None
        step(10)
    assert "Importing reports" in stderr.getvalue()


@pytest.mark.parametrize(("quiet", "stream"), [(True, Terminal()), (False, io.StringIO())])
def test_quiet_or_not_a_terminal_means_no_bar(
    monkeypatch: pytest.MonkeyPatch, quiet: bool, stream: io.StringIO
) -> None:
    monkeypatch.setattr(cli.sys, "stderr", stream)
    with cli.progress_bar(quiet, 10, "Importing reports") as step:
        assert step is None
    assert stream.getvalue() == ""
