"""Entry point: `flask --app wsgi run` or `gunicorn wsgi:app`."""
from forum import create_app

app = create_app()
