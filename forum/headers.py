"""Response headers every page carries: nothing loads from elsewhere, nothing leaks out."""
from flask import current_app, request, session
from flask_login import current_user

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])


def secure_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "interest-cohort=(), browsing-topics=()"
    if current_app.config["SESSION_COOKIE_SECURE"]:
        # Served over HTTPS: browsers must never fall back to plain HTTP for this site.
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    # A page served to a logged-in person must never be kept by a shared cache, nor one that
    # sets a cookie (a login form's fresh CSRF token): a cache would hand it to everybody.
    if current_user.is_authenticated or request.method != "GET" or session.modified:
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
    return response
