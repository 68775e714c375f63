"""Rendered HTML that is the same for many requests, kept in each process and reused.

GOV.UK Frontend macros are most of the time a LearnHub page takes to render. Where a part of a
page shows nothing about the request (a blank form, the signed-out header), it is rendered once
and reused. The key must name every value the HTML shows that can change: what it leaves out
would be shown stale.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

_FRAGMENTS: dict[tuple[object, ...], Markup] = {}
# A handful of keys are live at once (a few templates, one wording each); past this many,
# something keeps changing, and starting again keeps memory bounded.
_KEPT = 64


def reused(key: tuple[object, ...], render: Callable[[], str]) -> Markup:
    """The HTML ``render`` makes for ``key``: rendered the first time, reused after."""
    html = _FRAGMENTS.get(key)
    if html is None:
        if len(_FRAGMENTS) >= _KEPT:
            _FRAGMENTS.clear()
        # A template's output is already autoescaped HTML: marking it safe escapes nothing twice.
        html = _FRAGMENTS[key] = Markup(render())  # noqa: S704
    return html
