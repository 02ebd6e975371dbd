"""WSGI entry point: `gunicorn wsgi:app`. The scheduler runs in `flask --app wsgi worker`."""

from app import create_app, heap

app = create_app()
heap.settle()  # the app's startup objects stay out of every later garbage collection
