"""The one entry point for servers (gunicorn wsgi:app) and the CLI (flask --app wsgi ...)."""

import gc

from backend import create_app

app = create_app()
# Everything alive now (modules, the app, SQLAlchemy's mappers: ~140,000 objects) lives as long as
# the process. Frozen, the collector stops rescanning it: a full collection under load went from
# up to 90 ms (every thread of the worker stopped meanwhile) to a few ms.
gc.freeze()
