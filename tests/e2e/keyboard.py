"""Moving through a page the way a keyboard user does: Tab until the wanted control has focus."""

from __future__ import annotations

from typing import Any

MAX_TABS = 400


def tab_to(page: Any, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has focus; fail if it never does."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def type_into(page: Any, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def press_on(page: Any, selector: str, key: str = "Space") -> None:
    tab_to(page, selector)
    page.keyboard.press(key)


def choose_radio(page: Any, name: str, value: str) -> None:
    """Tab into a radio group (focus lands on its first radio), then arrow to the wanted one."""
    tab_to(page, f"input[type=radio][name={name}]")
    page.keyboard.press("Space")
    for _ in range(20):
        if page.evaluate("() => document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no radio {name}={value}")
