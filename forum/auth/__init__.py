"""The auth blueprint; its views live in routes.py, which creates `bp`, and email_routes.py
(confirming an address, resetting a password by email)."""
from . import email_routes
from .routes import bp

__all__ = ["bp", "email_routes"]
