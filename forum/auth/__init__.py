"""The auth blueprint; its views live in routes.py, which creates `bp`, and in the modules
for recovery codes and two-step login, which add their views to it when imported."""
from . import recovery_routes, two_step_routes
from .routes import bp

__all__ = ["bp", "recovery_routes", "two_step_routes"]
