"""WSGI entry point: `gunicorn wsgi:app`. The scheduler runs in `flask --app wsgi worker`."""

from app import create_app

app = create_app()
