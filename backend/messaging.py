"""The outbox's wiring into the app (domain/messages.py holds the rules, this only connects them).

- Every session the app opens carries the MessageSettings that `messages.announce` reads (the secret
  for links, PUBLIC_BASE_URL or else the request's host, the company's name, the default language),
  so an action anywhere (API, auto-assignment, day plan, scheduler) tells its customer the same way.
- `send_round(app)`: one round of the sender. The scheduler's leader runs it every
  MESSAGE_SEND_SECONDS; `flask --app wsgi send-messages [--once]` runs it on its own.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor

import click
from flask import Flask, current_app, has_app_context, has_request_context, request
from flask.cli import with_appcontext
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.orm import Session

from .domain.message_providers import providers_from_config
from .domain.messages import (
    SETTINGS_KEY,
    DeliverySummary,
    deliver_due,
    delivery_policy_from_config,
    settings_from_config,
    use_settings,
)
from .extensions import db

log = logging.getLogger("onsite.messages")
EXTENSION = "onsite.messages"


def _install_settings(session, _transaction, _connection) -> None:
    """A request's (or command's) session gets the app's message settings when it begins."""
    if SETTINGS_KEY in session.info or not has_app_context():
        return
    settings = current_app.extensions.get(EXTENSION)
    if settings is None:
        return
    if settings.base_url is None and has_request_context():
        settings = dataclasses.replace(settings, base_url=request.host_url)
    use_settings(session, settings)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = settings_from_config(app.config)
    if not event.contains(FlaskSession, "after_begin", _install_settings):
        event.listen(FlaskSession, "after_begin", _install_settings)
    app.cli.add_command(send_messages_command)


def send_round(app: Flask, limit: int | None = None) -> DeliverySummary:
    """Claim the due messages, send them, record each result (domain/messages.deliver_due).

    On PostgreSQL MESSAGE_SENDER_THREADS senders share the round, each on its own connection (their
    claims never overlap: SKIP LOCKED); each result is its own commit, so one sender is bound by the
    database's commit time. SQLite has one writer: one sender."""
    from .scheduler import job_transaction

    with app.app_context():
        engine = db.engine
        providers = providers_from_config(app.config)
        policy = delivery_policy_from_config(app.config)
        threads = app.config.get("MESSAGE_SENDER_THREADS", 4) if engine.dialect.name == "postgresql" else 1
        settings = app.extensions[EXTENSION]

        def one_sender(share: int | None) -> DeliverySummary:
            with engine.connect() as connection, Session(bind=connection) as session:
                use_settings(session, settings)
                return deliver_due(session, app.config["CLOCK"], providers, job_transaction, policy, share)

        if threads <= 1:
            return one_sender(limit)
        total = limit or policy.batch
        threads = min(threads, total)
        shares = [total // threads + (1 if i < total % threads else 0) for i in range(threads)]
        with ThreadPoolExecutor(max_workers=threads) as pool:
            summaries = list(pool.map(one_sender, shares))
        return DeliverySummary(**{k: sum(getattr(s, k) for s in summaries) for k in DeliverySummary().as_dict()})


@click.command("send-messages")
@click.option("--once", is_flag=True, help="one round, print its summary as JSON, and exit")
@with_appcontext
def send_messages_command(once: bool) -> None:
    """Deliver the outbox's messages: every MESSAGE_SEND_SECONDS, or one round with --once."""
    app = current_app._get_current_object()
    interval = app.config["MESSAGE_SEND_SECONDS"]
    while True:
        summary = send_round(app)
        if once:
            click.echo(json.dumps(summary.as_dict()))
            return
        if summary.claimed:
            log.info("send-messages pid=%d %s", os.getpid(), summary.as_dict())
        time.sleep(interval)
