"""Mitreden: the Flask application."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask

from config import ConfigError, load_settings
from inbox.core.crypto import derive_key
from inbox.extensions import csrf, db, login_manager, migrate

PACKAGE_DIR = Path(__file__).resolve().parent
MIN_SECRET_BYTES = 32
log = logging.getLogger(__name__)


def resource_dir(name: str) -> Path:
    """templates, static or migrations: inside the package once installed from the wheel, beside it in a checkout.

    The checkout keeps them at its top (one folder per blueprint under templates/); setup.py maps them into
    the inbox package of the wheel, where the checkout's top does not exist.
    """
    packaged = PACKAGE_DIR / name
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / name


def _default_data_dir() -> Path:
    # A checkout keeps the embedded database beside its code; an installed copy must not write into its
    # site-packages (often not writable by the service user), so it uses ./data where it is started (README).
    installed = (PACKAGE_DIR / "templates").is_dir()
    return Path.cwd() / "data" if installed else PACKAGE_DIR.parent / "data"


def create_app(overrides: dict | None = None) -> Flask:
    """Build the application; nothing here connects to the database or Redis."""
    overrides = dict(overrides or {})
    app = Flask(__name__, template_folder=str(resource_dir("templates")),
                static_folder=str(resource_dir("static")))
    _configure(app, overrides)
    _init_extensions(app)
    _register_blueprints(app)
    from inbox.core import web

    web.init_app(app)
    from inbox.channels import intake

    intake.init_app(app)
    return app


def _data_dir(overrides: dict) -> Path:
    path = Path(overrides.get("DATA_DIR") or os.environ.get("MITREDEN_DATA_DIR") or _default_data_dir())
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(overrides: dict, data_dir: Path) -> str:
    key = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if key and len(key.encode()) < MIN_SECRET_BYTES and not (overrides.get("TESTING") or overrides.get("DEMO")):
        # Sessions, forward links and (without MITREDEN_ENCRYPTION_KEY) channel credentials hang on this key.
        raise ConfigError(f"SECRET_KEY is too short ({len(key.encode())} bytes; at least {MIN_SECRET_BYTES} are "
                          "needed). Generate one, for example `export SECRET_KEY=$(openssl rand -hex 32)`.")
    if key:
        return key
    if overrides.get("TESTING"):
        return secrets.token_hex(32)
    if overrides.get("DEMO"):
        # The demo keeps its key in its data folder so sessions and encrypted credentials survive a restart.
        key_file = data_dir / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        return key_file.read_text().strip()
    raise ConfigError("SECRET_KEY is not set. Set it in the environment (for example `export SECRET_KEY=$(openssl "
                      "rand -hex 32)`); only `mitreden demo` and the tests may run without it.")


def _configure(app: Flask, overrides: dict) -> None:
    settings = load_settings()
    data_dir = _data_dir(overrides)
    secret = _secret_key(overrides, data_dir)
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=secret,
        ENCRYPTION_KEY=os.environ.get("MITREDEN_ENCRYPTION_KEY") or derive_key(secret),
        SQLALCHEMY_DATABASE_URI=settings["database"]["url"] or f"sqlite:///{data_dir / 'mitreden.db'}",
        REDIS_URL=settings["redis"]["url"],
        RQ_QUEUE=settings["redis"]["queue"],
        MAX_CONTENT_LENGTH=settings["app"]["max_body_bytes"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        DATA_DIR=str(data_dir),
        DEMO=False,
    )
    app.config.update(overrides)
    _tune_engine(app)


def _tune_engine(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://"):
        uri = app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    if uri.startswith("sqlite"):
        # A web request and a job may write at once; wait for the lock instead of failing.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})


def _init_extensions(app: Flask) -> None:
    from inbox import models  # noqa: F401  (registers every table on the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from inbox.core.sqlite import enable_sqlite_pragmas

        with app.app_context():
            enable_sqlite_pragmas(db.engine)


def _register_blueprints(app: Flask) -> None:
    from inbox.accounts.views import bp as accounts_bp
    from inbox.channels.views import bp as channels_bp
    from inbox.channels.webhooks import bp as webhooks_bp
    from inbox.channels.whatsapp_views import bp as whatsapp_bp
    from inbox.conversations.views import bp as conversations_bp
    from inbox.rota.views import bp as rota_bp
    from inbox.routing.views import bp as routing_bp

    for blueprint in (accounts_bp, conversations_bp, channels_bp, webhooks_bp, whatsapp_bp, rota_bp, routing_bp):
        app.register_blueprint(blueprint)
    from inbox.channels.admin import bp as channel_admin_bp

    app.register_blueprint(channel_admin_bp)
    csrf.exempt(webhooks_bp)
    _register_forwarding(app)
    if app.config.get("DEMO"):
        from inbox.demo.views import bp as demo_bp

        app.register_blueprint(demo_bp)  # the demo's outbox; outside the demo there is nothing to show


def _register_forwarding(app: Flask) -> None:
    from inbox.forwarding.portal import bp as portal_bp
    from inbox.forwarding.views import bp as forwarding_bp
    from inbox.live.views import bp as live_bp
    from inbox.notifications.views import bp as notifications_bp
    from inbox.orgs.views import bp as departments_bp
    from inbox.reports.views import bp as reports_bp

    for blueprint in (forwarding_bp, portal_bp, notifications_bp, departments_bp, reports_bp, live_bp):
        app.register_blueprint(blueprint)
    _register_accounts_admin(app)


def _register_accounts_admin(app: Flask) -> None:
    from inbox.accounts.admin_views import bp as users_bp
    from inbox.accounts.security_views import bp as security_bp
    from inbox.audit.views import bp as audit_bp

    for blueprint in (audit_bp, security_bp, users_bp):
        app.register_blueprint(blueprint)
