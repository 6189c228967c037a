"""A private line to the moderators (/contact): members under a name of theirs, visitors with
a code. service.py holds the rules, routes.py creates `bp`."""
from .routes import bp

__all__ = ["bp"]
