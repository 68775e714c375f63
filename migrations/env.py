"""Alembic environment for LearnHub, run through Flask-Migrate inside the app context.

Logging is left to the app (``fileConfig`` would silence loggers the app already set up).
"""

from alembic import context
from flask import current_app

config = context.config
migrate_ext = current_app.extensions["migrate"]
target_metadata = migrate_ext.db.metadata


def skip_empty_autogenerate(context_, revision, directives):
    # An autogenerate that finds no change should write no empty revision file.
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []


def render_item(type_, obj, autogen_context):
    # Write LearnHub's UTC timestamp type as the plain column type it stores, so that revision
    # files never import application code that may change after they were written.
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def configure_args():
    args = dict(migrate_ext.configure_args)
    args.setdefault("process_revision_directives", skip_empty_autogenerate)
    args.setdefault("compare_type", True)
    args.setdefault("render_item", render_item)
    args.setdefault("compare_server_default", False)
    return args


def run_migrations_offline():
    url = migrate_ext.db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    with migrate_ext.db.engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, **configure_args()
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
