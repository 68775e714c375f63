"""Bulletin pages for editors."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from learnhub.bulletins.models import Bulletin
from learnhub.core.permissions import Permission, requires
from learnhub.extensions import db

bp = Blueprint("bulletins", __name__, url_prefix="/bulletins")


@bp.route("/manage")
@requires(Permission.EDIT_BULLETINS)
def manage() -> str:
    bulletins = db.session.scalars(sa.select(Bulletin).order_by(Bulletin.period.desc()))
    return render_template("bulletins/manage.html", bulletins=list(bulletins))
