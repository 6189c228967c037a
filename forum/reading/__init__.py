"""New since my last visit: read marks for members who turn them on (service.py), and
their setting (routes.py)."""
from .routes import bp

__all__ = ["bp"]
