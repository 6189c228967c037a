"""The bookmarks blueprint; its views live in routes.py, which creates `bp`."""
from .routes import bp

__all__ = ["bp"]
