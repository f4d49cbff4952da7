"""Request-wide wiring: user loading, error pages, security headers, template helpers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from babel.dates import format_datetime
from flask import Flask, current_app, flash, has_app_context, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from inbox import jobs
from inbox.core import kern
from inbox.core.safetext import is_odd
from inbox.extensions import login_manager

log = logging.getLogger(__name__)


def within(app: Flask, fn, *args):
    """fn(*args) in app's context: the current one when it is app's (as Flask does for a request), else a new one.

    For code that runs before Flask (the webhook intake) or in its own threads.
    """
    if has_app_context() and current_app._get_current_object() is app:
        return fn(*args)
    with app.app_context():
        return fn(*args)


def init_app(app: Flask) -> None:
    _transport_security(app)
    kern.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Bitte melden Sie sich an."
    login_manager.user_loader(_load_user)
    jobs.init_app(app)
    app.before_request(refuse_odd_characters)
    _error_handlers(app)
    app.before_request(_load_login_early)
    app.after_request(_security_headers)
    app.context_processor(_template_context)
    app.add_template_filter(local_time, "local")
    app.add_template_filter(ago, "ago")


def _transport_security(app: Flask) -> None:
    """HTTPS ([app] https): Secure cookies and HSTS; and the proxies whose X-Forwarded-* headers are believed."""
    settings = app.config["SETTINGS"]["app"]
    https = app.config.get("HTTPS")
    if https is None:
        # The demo and the tests are served over plain http, where a browser would drop a Secure cookie.
        https = bool(settings["https"]) and not (app.config["DEMO"] or app.config.get("TESTING"))
    app.config.update(HTTPS=https, SESSION_COOKIE_SECURE=https, REMEMBER_COOKIE_SECURE=https)
    proxies = int(settings["trusted_proxies"])
    if proxies:
        # Behind a proxy every client would have the proxy's address (one login throttle for all) and no
        # request would look like HTTPS. Only as many hops as configured are believed: a client's own
        # X-Forwarded-For cannot make it someone else.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _load_user(token: str):
    from inbox.accounts import sessions

    return sessions.load(token)


def _load_login_early() -> None:
    # The login session is looked up before the view runs, not on first use: its bookkeeping (timeouts,
    # last seen, a renewed token) commits on its own then, never in the middle of a view's changes.
    # Requests without a session cookie (webhooks, static files) do not reach the database here.
    from flask_login import current_user

    if request.endpoint != "static":
        current_user._get_current_object()


def _wants_json() -> bool:
    return request.path.startswith(("/webhooks/", "/api/"))


def _error(status: int, message: str):
    if _wants_json():
        return jsonify(error=message), status
    return render_template("error.html", status=status, message=message), status


def _error_handlers(app: Flask) -> None:
    messages = {400: "Die Anfrage ist ungültig.", 403: "Dafür fehlt Ihnen die Berechtigung.",
                404: "Diese Seite gibt es nicht.", 405: "Diese Methode ist hier nicht erlaubt.",
                413: "Die Anfrage ist zu groß.", 429: "Zu viele Anfragen in kurzer Zeit. Bitte versuchen Sie es "
                "später noch einmal."}
    for status, message in messages.items():
        app.register_error_handler(status, lambda exc, s=status, m=message: _error(s, m))

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        log.warning("CSRF refused on %s: %s", request.path, exc.description)
        return _error(400, "Das Formular ist abgelaufen oder ungültig. Bitte laden Sie die Seite neu.")


ODD_CHARACTERS = "Die Anfrage enthält unzulässige Zeichen."


def refuse_odd_characters():
    """400 for a NUL or lone surrogate in the path, the query or a form, before any view reads them.

    PostgreSQL cannot compare or store either: a view looking up `/kontakt/<slug>` with one
    failed with a 500. Nobody types them; refusing is clearer than storing something else.
    """
    if request.path.startswith("/webhooks/"):
        # Read the raw body first: once the form is parsed from the stream, the body (that the
        # webhook intake stores as sent) would be gone.
        request.get_data(cache=True)
    if any(is_odd(value) for value in _request_texts()):
        log.warning("refused %s %r: NUL or lone surrogate in the path, query or form", request.method,
                    request.path[:200])
        return _error(400, ODD_CHARACTERS)
    return None


def _request_texts():
    yield request.path
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            yield key
            yield value
    for key, upload in request.files.items(multi=True):
        yield key
        yield upload.filename or ""


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    # Pages show personal data (citizens', colleagues'): no browser or proxy keeps a copy, unless a view
    # said how long its answer may be kept. Static files keep their caching.
    if request.endpoint != "static" and response.cache_control.max_age is None:
        response.cache_control.no_store = True
    if current_app.config["HTTPS"] and request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def form_errors(form) -> list[str]:
    """Every validation message of a form, in field order."""
    return [error for errors in form.errors.values() for error in errors]


def flash_form_errors(form, fallback: str = "Das Formular ist ungültig.") -> None:
    """Show a form's validation messages on the page the user is sent back to."""
    for error in form_errors(form) or [fallback]:
        flash(error, "error")


def local_time(value: datetime | None, fmt: str = "dd.MM.yyyy HH:mm") -> str:
    """The organization's time zone on screen (clock.zone()), whatever the database holds (UTC)."""
    if value is None:
        return ""
    from inbox.core import clock

    return format_datetime(value, fmt, tzinfo=clock.zone(), locale="de_DE")


def duration_text(delta: timedelta) -> str:
    """A span in short German words, to the minute: "12 Min.", "1 Std. 5 Min.", "2 Tg. 3 Std."."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} Tg." + (f" {hours} Std." if hours else "")
    if hours:
        return f"{hours} Std." + (f" {minutes} Min." if minutes else "")
    return f"{minutes} Min."


def ago(value: datetime | None) -> str:
    """How long ago, from the app's clock: "vor 12 Min.", "gerade eben" under a minute."""
    if value is None:
        return ""
    from inbox.core import clock

    delta = clock.now() - value
    return "gerade eben" if delta < timedelta(minutes=1) else f"vor {duration_text(delta)}"


def _template_context():
    from flask_login import current_user

    from inbox.accounts import access

    if not current_user.is_authenticated:
        return {"roles": set(), "is_staff": False}
    from inbox.accounts.views import org_choices

    roles = access.roles()
    return {"roles": roles, "is_staff": bool(roles & set(access.STAFF)), "org_id": access.current_org_id(),
            "org_choices": org_choices()}
