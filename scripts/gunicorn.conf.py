"""gunicorn's settings for OnSite, shared by ./scripts/serve and the load test.

WORKERS and THREADS come from the environment (command-line flags override both). gthread
workers, so that a dispatcher's live-update stream holds a thread, not a whole process.
"""

import os

workers = int(os.environ.get("WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "8"))
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))


def post_worker_init(worker):
    """Tell the app how many threads this worker has: live-update streams, which each hold one,
    may take only part of them (backend/api/live.py), so that ordinary requests always get one."""
    app = getattr(worker, "wsgi", None)
    if hasattr(app, "config"):
        app.config["WORKER_THREADS"] = worker.cfg.threads
