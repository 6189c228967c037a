"""The moderation blueprint; its views live in routes.py, which creates `bp`, and in
registration_routes.py (registrations waiting for approval, invitation codes), which adds
its views to it when imported."""
from . import registration_routes
from .routes import bp

__all__ = ["bp", "registration_routes"]
