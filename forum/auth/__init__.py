"""The auth blueprint; its views live in routes.py, which creates `bp`, and in the modules
for recovery codes and two-step login, which add their views to it."""
from . import recovery_routes, two_step_routes  # noqa: F401  (their views join bp)
from .routes import bp

__all__ = ["bp"]
