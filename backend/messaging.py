"""The outbox's wiring into the app (domain/messages.py holds the rules, this only connects them).

- Every session the app opens carries the MessageSettings that `messages.announce` reads (the secret
  for links, PUBLIC_BASE_URL or else the request's host, the company's name, the default language),
  so an action anywhere (API, auto-assignment, day plan, scheduler) tells its customer the same way.
- `send_round(app)`: one round of the sender. The scheduler's leader runs it every
  MESSAGE_SEND_SECONDS; `flask --app wsgi send-messages [--once]` runs it on its own.
- `push_round(app)`: the technicians' Web Push (domain/push.py) at the same moments, signed with the
  VAPID key generated once into the instance folder (`VAPID_PRIVATE_KEY_FILE`).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
import requests
from cryptography.hazmat.primitives import serialization
from flask import Flask, current_app, has_app_context, has_request_context, request
from flask.cli import with_appcontext
from flask_sqlalchemy.session import Session as FlaskSession
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from sqlalchemy import event
from sqlalchemy.orm import Session

from .documents.service_report import render_pdf
from .domain.message_providers import TIMEOUT_SECONDS, providers_from_config
from .domain.messages import (
    SETTINGS_KEY,
    DeliverySummary,
    MailAttachment,
    deliver_due,
    delivery_policy_from_config,
    settings_from_config,
    use_settings,
)
from .domain.push import Push, PushFailed, PushSummary, SubscriptionGone, encode_payload, push_due
from .domain.service_report import Company, language_of, report_content
from .extensions import db
from .models import WorkOrder

log = logging.getLogger("onsite.messages")
PUSH_TTL_SECONDS = 3600  # a push the phone cannot take within an hour is old news
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
                clock = app.config["CLOCK"]
                report = service_report_maker(app.config, clock)
                return deliver_due(session, clock, providers, job_transaction, policy, share, report)

        if threads <= 1:
            return one_sender(limit)
        total = limit or policy.batch
        threads = min(threads, total)
        shares = [total // threads + (1 if i < total % threads else 0) for i in range(threads)]
        with ThreadPoolExecutor(max_workers=threads) as pool:
            summaries = list(pool.map(one_sender, shares))
        return DeliverySummary(**{k: sum(getattr(s, k) for s in summaries) for k in DeliverySummary().as_dict()})


def service_report_maker(config, clock):
    """`report(session, work_order_id)` → the job's service report as a PDF attachment, in the
    customer's language (the same document `GET /work-orders/{id}/report.pdf` serves)."""

    def report(session: Session, work_order_id: int) -> MailAttachment:
        wo = session.get(WorkOrder, work_order_id)
        content = report_content(
            session,
            wo,
            company=Company(config["COMPANY_NAME"], config["COMPANY_PHONE"]),
            language=language_of(wo),
            timezone=config["TIMEZONE"],
            upload_folder=config["UPLOAD_FOLDER"],
            now=clock(),
        )
        return MailAttachment(f"{wo.number}.pdf", "application/pdf", render_pdf(content))

    return report


def vapid_key_file(app: Flask) -> Path:
    return Path(app.config.get("VAPID_PRIVATE_KEY_FILE") or Path(app.instance_path) / "vapid_private.pem")


def vapid(app: Flask) -> Vapid02:
    """The server's VAPID key: generated once into the instance folder, then read from there."""
    path = vapid_key_file(app)
    if not path.exists():
        key = Vapid02()
        key.generate_keys()
        path.parent.mkdir(parents=True, exist_ok=True)
        key.save_key(str(path))
        path.chmod(0o600)
    return Vapid02.from_file(str(path))


def vapid_public_key(app: Flask) -> str:
    """The applicationServerKey a browser subscribes with (base64url of the uncompressed point)."""
    raw = vapid(app).public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def web_push_sender(app: Flask):
    """Send one push with pywebpush (RFC 8291 aes128gcm payload, RFC 8292 VAPID signature)."""
    key, subject = vapid(app), app.config.get("VAPID_SUBJECT") or "mailto:admin@localhost"

    def send(push: Push) -> None:
        subscription = {"endpoint": push.endpoint, "keys": {"p256dh": push.p256dh, "auth": push.auth}}
        try:
            webpush(
                subscription,
                data=encode_payload(push),
                vapid_private_key=key,
                vapid_claims={"sub": subject},  # a fresh dict: pywebpush adds aud and exp to it
                ttl=PUSH_TTL_SECONDS,
                timeout=TIMEOUT_SECONDS,
            )
        except WebPushException as error:
            status = error.response.status_code if error.response is not None else None
            if status in (404, 410):
                raise SubscriptionGone(str(error)) from error
            raise PushFailed(str(error)) from error
        except requests.RequestException as error:
            raise PushFailed(str(error)) from error

    return send


def push_round(app: Flask, send=None) -> PushSummary:
    """Push the notifications written since the last round to their users' subscriptions."""
    from .scheduler import job_transaction

    with app.app_context():
        sender = send or web_push_sender(app)
        with db.engine.connect() as connection, Session(bind=connection) as session:
            return push_due(session, app.config["CLOCK"], sender, job_transaction)


@click.command("send-messages")
@click.option("--once", is_flag=True, help="one round, print its summary as JSON, and exit")
@with_appcontext
def send_messages_command(once: bool) -> None:
    """Deliver the outbox's messages and the technicians' pushes: every MESSAGE_SEND_SECONDS, or one
    round with --once."""
    app = current_app._get_current_object()
    interval = app.config["MESSAGE_SEND_SECONDS"]
    while True:
        summary, pushes = send_round(app), push_round(app)
        if once:
            click.echo(json.dumps({**summary.as_dict(), "push": pushes.as_dict()}))
            return
        if summary.claimed or pushes.notifications:
            log.info("send-messages pid=%d %s push %s", os.getpid(), summary.as_dict(), pushes.as_dict())
        time.sleep(interval)
