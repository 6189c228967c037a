"""The admin blueprint; its views live in routes.py, which creates `bp`, and members.py."""
from . import members  # registers the members page on bp
from .routes import bp

__all__ = ["bp", "members"]
