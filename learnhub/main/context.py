"""Values every template can use."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from learnhub.main.navigation import navigation_items


def account_context() -> dict[str, Any]:
    """Navigation and the signed-in banner; empty when the database is down, so that error
    pages still render."""
    try:
        return {"navigation_items": navigation_items(), "show_account": True}
    except SQLAlchemyError:
        return {"navigation_items": [], "show_account": False}


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def month_year(day: dt.date) -> str:
    return f"{day:%B %Y}"


def humanise(value: object) -> str:
    """``awaiting_reporter`` → ``Awaiting reporter``: enum values as words on a page."""
    text = str(getattr(value, "value", value)).replace("_", " ")
    return text[:1].upper() + text[1:]


def init_app(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(month_year)
    app.add_template_filter(humanise)

    @app.context_processor
    def shared_context() -> dict[str, Any]:
        config = app.config
        return {
            **account_context(),
            "organisation_name": config["ORGANISATION_NAME"],
            "council_name": config["ORGANISATION_NAME"],
            "safeguarding": {
                "organisation": f"{config['ORGANISATION_NAME']} children's services",
                "emergency": "999",
                "front_door_phone": config["SAFEGUARDING_PHONE"],
                "out_of_hours_phone": config["SAFEGUARDING_OUT_OF_HOURS_PHONE"],
            },
            "k_threshold": config["K_THRESHOLD"],
        }
