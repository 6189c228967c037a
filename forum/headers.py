"""Response headers every page carries: nothing loads from elsewhere, nothing leaks out."""
from flask import request
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
    # A page served to a logged-in person must never be kept by a shared cache.
    if current_user.is_authenticated or request.method != "GET":
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
    return response
