"""The moderation blueprint; its views live in routes.py, which creates `bp`, and in
registration_routes.py (registrations waiting for approval, invitation codes) and
circle_routes.py (who is in a circle board), which add their views to it when imported."""
from . import circle_routes, registration_routes
from .routes import bp

__all__ = ["bp", "circle_routes", "registration_routes"]
