"""The pages blueprint; its views live in routes.py, which creates `bp`."""
from .routes import bp, init_app

__all__ = ["bp", "init_app"]
