"""LearnHub: blameless learning from near misses in children's social care."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from learnhub.core.resources import resource_dir


def load_config_module() -> Any:
    """The settings module: bundled in a wheel, or the checkout's top-level config.py."""
    try:
        from learnhub import _config  # type: ignore[attr-defined]
    except ImportError:
        import config as _config
    return _config


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
    from learnhub.auth import guard
    from learnhub.auth.services import LoginPolicy, LoginThrottle, configure_password_hashing
    from learnhub.core import cache
    from learnhub.core.anonymity import AnonymousRateLimiter
    from learnhub.core.database import configure_sqlite
    from learnhub.extensions import csrf, db, migrate
    from learnhub.reports.models import ServiceArea
    from learnhub.taxonomy.models import TaxonomyCode, TaxonomyVersion

    db.init_app(app)
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
    app.extensions["learnhub_anonymous_limiter"] = AnonymousRateLimiter(
        app.config["RATELIMIT_STORAGE_URL"]
    )
    app.extensions["learnhub_login_throttle"] = LoginThrottle(
        app.config["RATELIMIT_STORAGE_URL"],
        LoginPolicy(app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_LOCKOUT_MINUTES"]),
    )


def register_blueprints(app: Flask) -> None:
    from learnhub.actions.views import bp as actions_bp
    from learnhub.admin.views import bp as admin_bp
    from learnhub.api.views import bp as api_bp
    from learnhub.auth.views import bp as auth_bp
    from learnhub.bulletins.views import bp as bulletins_bp
    from learnhub.dashboard.views import bp as dashboard_bp
    from learnhub.extensions import csrf
    from learnhub.main.views import bp as main_bp
    from learnhub.reports.followup import bp as followup_bp
    from learnhub.reports.views import bp as reports_bp
    from learnhub.review.views import bp as review_bp
    from learnhub.taxonomy.views import bp as taxonomy_bp
    from learnhub.themes.views import bp as themes_bp

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
