"""The auth blueprint; its views live in routes.py, which creates `bp`, and in the modules
that add their views to it when imported: recovery codes, two-step login, and email
(confirming an address, resetting a password by email)."""
from . import email_routes, recovery_routes, two_step_routes
from .routes import bp

__all__ = ["bp", "email_routes", "recovery_routes", "two_step_routes"]
