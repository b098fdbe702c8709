"""Flask app factory: configuration, extensions, blueprints, error pages, CLI."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, request
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from engine.service import Service
from engine.sql.store import SqlStore

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
LANGUAGES = ("zh", "en")


def create_app(config: dict | None = None, service: Service | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"))
    app.config.update(
        DATABASE_URL=os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'instance' / 'app.db'}",
        PROCESSES_DIR=str(ROOT / "processes"), FORMS_DIR=str(ROOT / "forms"),
        MAX_CONTENT_LENGTH=5 * 1024 * 1024, SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", BABEL_DEFAULT_LOCALE="zh",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        SESSION_COOKIE_SECURE=os.environ.get("COOKIE_SECURE") == "1",
        REMEMBER_COOKIE_SECURE=os.environ.get("COOKIE_SECURE") == "1",
        PROXY_COUNT=int(os.environ.get("PROXY_COUNT") or 0),
        API_RATE_PER_ACCOUNT=int(os.environ.get("API_RATE_PER_ACCOUNT") or 600),   # per minute; 0: no limit
        API_RATE_PER_ADDRESS=int(os.environ.get("API_RATE_PER_ADDRESS") or 1200),
    )
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or _instance_secret(app)
    app.extensions["service"] = service or _make_service(app.config["DATABASE_URL"])
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    from . import (accounts_admin, admin, api, audit, auth, cases, cli, display, errors, inbox, security, stats, studio,
                   work, work_panels)
    from .directory_admin import bp as directory_bp
    from .rota_admin import bp as rota_bp
    app.url_map.converters["int"] = security.RowId      # before the routes: every <int:…> is a row id
    for blueprint in (auth.bp, inbox.bp, cases.bp, studio.bp, admin.bp, accounts_admin.bp, api.bp, api.health_bp,
                      stats.bp, work.bp, directory_bp, rota_bp):
        app.register_blueprint(blueprint)
    audit.register(app)
    csrf.exempt(api.bp)
    errors.register(app)
    security.register(app)
    display.register(app)
    work_panels.register(app)
    cli.register(app)
    _behind_proxies(app)
    return app


def _behind_proxies(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto from PROXY_COUNT reverse proxies: the client address feeds the
    per-address throttling, so without this every client shares the proxy's counter."""
    count = app.config["PROXY_COUNT"]
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _make_service(url: str) -> Service:
    from engine.migrations import upgrade
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    store = SqlStore(url)
    upgrade(url, store.engine)
    return Service(store)


def _instance_secret(app: Flask) -> str:
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _locale() -> str:
    from flask import session
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return session.get("lang") or "zh"
