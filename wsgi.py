"""The one entry point for servers (gunicorn wsgi:app) and the CLI (flask --app wsgi ...)."""

from backend import create_app

app = create_app()
