"""Hostile tests: sessions, passwords, enumeration, redirects, input, headers, CSRF, XSS."""
