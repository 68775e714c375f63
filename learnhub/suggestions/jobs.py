"""Periodic work for the taxonomy: retraining the code-suggestion model."""

from __future__ import annotations

import datetime as dt
import logging

import click
from flask.cli import with_appcontext

from learnhub.core.extensions import db
from learnhub.core.jobs import Job
from learnhub.suggestions import training
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import TaxonomyVersion

log = logging.getLogger(__name__)


def retrain_suggestions() -> str:
    """Retrain from reviewer-confirmed codes; the job owns its transaction."""
    version = taxonomy.active_version(db.session)
    if version is None:
        return "No taxonomy version is active: nothing to train."
    result = training.retrain(db.session, version)
    db.session.commit()
    refreshed = refresh_suggestions(version)
    message = f"{result.message} Stored suggestions refreshed on {refreshed} reports."
    log.info("Suggestion retraining: %s", message)
    return message


def refresh_suggestions(version: TaxonomyVersion) -> int:
    """Bring the stored suggestions of reports still open for coding up to the model in use,
    one committed batch at a time, so a long refresh holds no lock for long and an interrupted
    one resumes where it stopped."""
    total = 0
    while refreshed := training.refresh_stored_suggestions(db.session, version):
        db.session.commit()
        total += refreshed
    db.session.commit()
    return total


RETRAIN_SUGGESTIONS = Job(
    "retrain-suggestions", retrain_suggestions, {"hour": 3, "minute": 30}, dt.timedelta(hours=1)
)


@click.command("retrain")
@with_appcontext
def retrain_command() -> None:
    """Retrain the code-suggestion model; keep it only if it beats the one in use."""
    click.echo(retrain_suggestions())
