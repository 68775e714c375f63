"""The practical limit the submission benchmark compares LearnHub with: a bare Flask +
Flask-SQLAlchemy app whose one endpoint inserts one row per POST and answers 201, and two
constant pages (GET and POST /page) for a flow of LearnHub's shape around that insert.

Served by gunicorn with the same worker settings as LearnHub (``benchmarks.bare_app:app``);
it reads its database from BARE_DATABASE_URL; the benchmark makes its one table first
(``create_schema``), so workers starting together do not race to create it.
"""

from __future__ import annotations

import datetime as dt
import os

import sqlalchemy as sa
from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from config import normalise_database_url


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Row(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "bare_rows"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["BARE_DATABASE_URL"])
    db.init_app(app)

    @app.post("/")
    def insert() -> tuple[str, int]:
        db.session.add(Row(body=request.form.get("body", ""), created=dt.datetime.now(dt.UTC)))
        db.session.commit()
        return "created", 201

    # The pages around the insert in a flow of LearnHub's shape, doing nothing at all: what a
    # four-request flow costs an app that spends no time of its own on the pages.
    @app.get("/page")
    def page() -> str:
        return "page"

    @app.post("/page")
    def posted_page() -> str:
        return str(len(request.form.get("body", "")))

    return app


def create_schema(database_url: str) -> None:
    engine = sa.create_engine(normalise_database_url(database_url))
    Base.metadata.create_all(engine)
    engine.dispose()


app = create_app() if "BARE_DATABASE_URL" in os.environ else None
