"""The profiles blueprint; its views live in routes.py, which creates `bp`, and in
ignore_routes.py (ignoring a name, and the list of ignored names in Settings) and
invitation_routes.py (making invitation codes from Settings) and language_routes.py (the
language switcher, and the Language page of Settings)."""
from . import ignore_routes, invitation_routes, language_routes
from .routes import bp

__all__ = ["bp", "ignore_routes", "invitation_routes", "language_routes"]
