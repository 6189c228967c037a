"""The posting blueprint: routes.py creates `bp`; story_routes.py adds the story editor."""
from . import story_routes
from .routes import bp

__all__ = ["bp", "story_routes"]
