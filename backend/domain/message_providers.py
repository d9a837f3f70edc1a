"""Where the sender hands messages over: SMTP for email (`MAIL_URL`), an HTTP webhook for SMS
(`SMS_WEBHOOK_URL`, signed with `SMS_WEBHOOK_SECRET`), and the log (the default for a channel without
a provider: the message is logged and counts as sent, with provider `log`).

Every provider raises messages.DeliveryError when the message was not taken, and passes the message's
key along (`Message-ID` / `Idempotency-Key`) so a provider or mailbox can drop the rare duplicate of a
sender that died after sending and before recording it (docs/RELIABILITY.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit

from .messages import DeliveryError, Outgoing

log = logging.getLogger("onsite.messages")
TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-OnSite-Signature"


def signature(secret: str, body: bytes) -> str:
    """The SMS webhook's signature header value: `sha256=<hex HMAC-SHA256 of the body>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def message_id(outgoing: Outgoing, domain: str) -> str:
    return f"<{hashlib.sha256(outgoing.key.encode()).hexdigest()[:32]}@{domain}>"


class LogProvider:
    name = "log"

    def send(self, outgoing: Outgoing) -> None:
        log.info("message %d to %s (%s): %s", outgoing.id, outgoing.recipient, outgoing.channel, outgoing.body)


@dataclass(frozen=True)
class SmtpProvider:
    """`smtp://[user:password@]host[:port][?starttls=1]`, or `smtps://...` (TLS from the start)."""

    url: str
    sender: str = "OnSite <noreply@localhost>"
    name = "smtp"

    def send(self, outgoing: Outgoing) -> None:
        parts = urlsplit(self.url)
        query = parse_qs(parts.query)
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = outgoing.recipient
        mail["Subject"] = outgoing.subject or ""
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = message_id(outgoing, parts.hostname or "localhost")
        mail.set_content(outgoing.body)
        for attachment in outgoing.attachments:
            maintype, subtype = attachment.mime_type.split("/", 1)
            mail.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
        try:
            if parts.scheme == "smtps":
                client = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=TIMEOUT_SECONDS)
            else:
                client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=TIMEOUT_SECONDS)
            with client:
                if query.get("starttls", ["0"])[0] in ("1", "true", "yes"):
                    client.starttls(context=ssl.create_default_context())
                if parts.username:
                    client.login(unquote(parts.username), unquote(parts.password or ""))
                client.send_message(mail)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"SMTP: {error}") from error


@dataclass(frozen=True)
class WebhookSmsProvider:
    """POST `{"to", "text"}` as JSON; the body's HMAC-SHA256 under the secret in `X-OnSite-Signature`,
    the message's key in `Idempotency-Key`. Any 2xx answer means taken."""

    url: str
    secret: str = ""
    name = "sms_webhook"

    def send(self, outgoing: Outgoing) -> None:
        body = json.dumps({"to": outgoing.recipient, "text": outgoing.body}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": outgoing.key}
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, body)
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                answer.read()
        except urllib.error.HTTPError as error:
            raise DeliveryError(f"SMS webhook answered {error.code}") from error
        except (OSError, ValueError) as error:
            raise DeliveryError(f"SMS webhook: {error}") from error


@dataclass(frozen=True)
class Providers:
    email: object
    sms: object
    log: object = LogProvider()

    def for_channel(self, channel: str):
        return {"email": self.email, "sms": self.sms}.get(channel, self.log)


def providers_from_config(config) -> Providers:
    """SMTP when MAIL_URL is set, the SMS webhook when SMS_WEBHOOK_URL is, the log otherwise."""
    email = (
        SmtpProvider(config["MAIL_URL"], config.get("MAIL_FROM") or "OnSite <noreply@localhost>")
        if config.get("MAIL_URL")
        else LogProvider()
    )
    sms = (
        WebhookSmsProvider(config["SMS_WEBHOOK_URL"], config.get("SMS_WEBHOOK_SECRET") or "")
        if config.get("SMS_WEBHOOK_URL")
        else LogProvider()
    )
    return Providers(email, sms)
