"""LearnHub: blameless learning from near misses in children's social care."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from learnhub.core.config import load_config_module
from learnhub.core.resources import resource_dir


def create_app(config: str | dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config``: an environment name, a dict of settings, or None (environment)."""
    app = Flask(__name__, instance_relative_config=True)
    settings = load_config_module().load_settings(config, app.instance_path)
    app.config.update(settings)
    os.makedirs(app.instance_path, exist_ok=True)

    from learnhub.core import assets, errors, inputs, logging, security

    logging.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    assets.init_app(app)
    init_templates(app)
    inputs.init_app(app)
    init_extensions(app)
    errors.init_app(app)
    security.init_app(app)
    register_blueprints(app)
    register_cli(app)

    from learnhub.auth.guard import check_every_endpoint_declares_permission

    check_every_endpoint_declares_permission(app)
    return app


def init_templates(app: Flask) -> None:
    from learnhub.main.context import init_app as init_context

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(resource_dir("templates"))),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    init_context(app)


def init_extensions(app: Flask) -> None:
    from learnhub import models  # noqa: F401 - every model registered before Alembic looks
    from learnhub.audit import anchors as audit_anchors
    from learnhub.audit import keys as audit_keys
    from learnhub.auth import guard
    from learnhub.auth.services import configure_password_hashing
    from learnhub.auth.throttle import DeviceCookies, LoginPolicy, LoginThrottle
    from learnhub.core import cache
    from learnhub.core.anonymity import AnonymousRateLimiter
    from learnhub.core.database import configure_sqlite
    from learnhub.core.extensions import csrf, db, migrate
    from learnhub.core.shared_store import open_store
    from learnhub.core.time import local_today
    from learnhub.reports.models import ServiceArea
    from learnhub.taxonomy.models import TaxonomyCode, TaxonomyVersion

    db.init_app(app)
    audit_keys.init_app(app)
    audit_anchors.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine, begin_immediate=app.config["SQLITE_BEGIN_IMMEDIATE"])
    cache.init_app(app, watched=(ServiceArea, TaxonomyVersion, TaxonomyCode))
    migrate.init_app(app, db, directory=str(resource_dir("migrations")), render_as_batch=True)
    # The permission guard runs first: a stranger is sent to sign in, not shown a CSRF error.
    guard.init_app(app)
    csrf.init_app(app)
    configure_password_hashing(
        app.config["PASSWORD_HASH_TIME_COST"], app.config["PASSWORD_HASH_MEMORY_KIB"]
    )
    # One store for every count, so that with Redis each limit holds across all web processes.
    store = open_store(app.config["RATE_LIMIT_STORAGE"])
    anonymous_limiter = AnonymousRateLimiter(store, app.config["TIMEZONE"])
    app.extensions["learnhub_shared_store"] = store
    app.extensions["learnhub_anonymous_limiter"] = anonymous_limiter
    app.extensions["learnhub_login_throttle"] = LoginThrottle(
        store,
        LoginPolicy(
            max_failures=app.config["LOGIN_MAX_FAILURES"],
            client_max_failures=app.config["LOGIN_CLIENT_MAX_FAILURES"],
            max_delay_seconds=app.config["LOGIN_MAX_DELAY_SECONDS"],
            failure_window_minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"],
        ),
        app.config["SECRET_KEY"],
        client_key=lambda client: anonymous_limiter.client_key(
            client, local_today(app.config["TIMEZONE"])
        ),
    )
    app.extensions["learnhub_device_cookies"] = DeviceCookies(
        app.config["SECRET_KEY"], app.config["LOGIN_DEVICE_COOKIE_DAYS"]
    )
    warn_if_counts_are_per_process(app)


def warn_if_counts_are_per_process(app: Flask) -> None:
    """Production with memory:// counts per web process; gunicorn.conf.py refuses it with more
    than one worker, and any other server is warned here."""
    if (
        app.config["ENV_NAME"] == "production"
        and not app.extensions["learnhub_shared_store"].shared
    ):
        app.logger.warning(
            "LEARNHUB_RATE_LIMIT_STORAGE is memory://: rate limits and sign-in throttling are "
            "counted in each web process separately, so they are weaker with every process "
            "added. Set it to redis://host:6379/0 unless exactly one process serves."
        )


def register_blueprints(app: Flask) -> None:
    from learnhub.actions.views import bp as actions_bp
    from learnhub.admin.views import bp as admin_bp
    from learnhub.api.views import bp as api_bp
    from learnhub.auth.views import bp as auth_bp
    from learnhub.bulletins.views import bp as bulletins_bp
    from learnhub.core.extensions import csrf
    from learnhub.dashboard.views import bp as dashboard_bp
    from learnhub.followup.views import bp as followup_bp
    from learnhub.main.views import bp as main_bp
    from learnhub.reports.views import bp as reports_bp
    from learnhub.review.theme_views import bp as themes_bp
    from learnhub.review.views import bp as review_bp
    from learnhub.taxonomy.views import bp as taxonomy_bp

    for blueprint in (
        main_bp,
        auth_bp,
        reports_bp,
        followup_bp,
        review_bp,
        themes_bp,
        actions_bp,
        taxonomy_bp,
        dashboard_bp,
        bulletins_bp,
        admin_bp,
    ):
        app.register_blueprint(blueprint)
    import learnhub.api.dashboard
    import learnhub.api.taxonomy
    import learnhub.api.themes  # noqa: F401 - likewise

    # The API authenticates each request by bearer token, so there is no cookie to forge.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)


def register_cli(app: Flask) -> None:
    from learnhub.cli import init_app as init_cli

    init_cli(app)
