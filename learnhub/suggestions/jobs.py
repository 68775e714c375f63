"""Periodic work for the taxonomy: retraining the code-suggestion model."""

from __future__ import annotations

import logging

import click
from flask.cli import with_appcontext

from learnhub.core.extensions import db
from learnhub.suggestions import training
from learnhub.taxonomy import services as taxonomy

log = logging.getLogger(__name__)


def retrain_suggestions() -> str:
    """Retrain from reviewer-confirmed codes; the job owns its transaction."""
    version = taxonomy.active_version(db.session)
    if version is None:
        return "No taxonomy version is active: nothing to train."
    result = training.retrain(db.session, version)
    db.session.commit()
    log.info("Suggestion retraining: %s", result.message)
    return result.message


@click.command("retrain")
@with_appcontext
def retrain_command() -> None:
    """Retrain the code-suggestion model; keep it only if it beats the one in use."""
    click.echo(retrain_suggestions())
