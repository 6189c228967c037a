"""The feeds blueprint (Atom feeds, sitemap, robots.txt); its views live in routes.py."""
from .routes import bp

__all__ = ["bp"]
