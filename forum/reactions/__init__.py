"""The reactions blueprint: quiet support under stories and posts, and "I lived this too".

- service.py  pressing and taking back, the counters, the writer's one growing notification,
              what a reader pressed, export and account deletion
- routes.py   creates `bp`: the plain forms' POST views (each goes back to where it was pressed)
"""
from .routes import bp

__all__ = ["bp"]
