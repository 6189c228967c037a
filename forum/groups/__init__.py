"""Curated groups: proposals, other names, merging (service.py); the moderators' page
(routes.py, which creates `bp`). Readers' group pages are in forum/stories/."""
from .routes import bp

__all__ = ["bp"]
