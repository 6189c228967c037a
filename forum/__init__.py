"""Afterward: a community site for people who have left high-control groups."""
from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix

from . import auth, compression, config, errors, headers, moderation, pages, permissions
from . import admin, bookmarks, contact, feeds, groups, notifications, posting, profiles
from . import csrf_tokens, frame, i18n, reactions, reading, search, security, siteurl, stories
from . import pool, submission_keys, threads, transactions
from .auth.service import init_login
from .cli import register_cli
from .extensions import csrf, db, limiter, login_manager, migrate
from .public_ids import PublicIdConverter
from .templating import register_filters
from .threads import cache as thread_cache

BLUEPRINTS = (pages, auth, stories, threads, posting, profiles, moderation, notifications, admin,
              feeds, search, contact, groups, reading, reactions, bookmarks)


def create_app(overrides: dict | None = None) -> siteurl.Afterward:
    """Build the application: settings, extensions, blueprints, error pages, commands."""
    app = siteurl.Afterward(__name__, template_folder="../templates", static_folder="../static")
    app.config.update(config.load(app.instance_path))
    app.config.update(overrides or {})
    siteurl.init_app(app)  # first: a request for an unknown host goes no further

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    pool.init_app(app)  # after db: an idle connection is checked before use
    transactions.init_app(app)  # after db: a read-only request ends with COMMIT
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    security.init_app(app)  # before CSRFProtect, so malformed input is refused first
    csrf.init_app(app)
    csrf_tokens.init_app(app)  # a member's signed token, kept per session token
    login_manager.init_app(app)
    i18n.init_app(app)  # after login: a member's own language setting wins
    limiter.init_app(app)
    init_login(login_manager)

    app.url_map.converters["public_id"] = PublicIdConverter  # before any route uses it
    for area in BLUEPRINTS:
        app.register_blueprint(area.bp)
    thread_cache.init_app(app)
    frame.init_app(app)  # the header and footer, kept per language and kind of reader
    pages.init_app(app)
    errors.init_app(app)
    submission_keys.init_app(app)  # a write form that arrives twice is carried out once
    app.after_request(headers.secure_headers)
    compression.init_app(app)  # gzip where it is safe: static files, secret-free pages
    app.jinja_env.globals.update(permissions.TEMPLATE_FUNCTIONS)
    register_filters(app)
    register_cli(app)
    return app
