"""Flask commands: create-user, seed-demo, purge-idempotency."""

from __future__ import annotations

import click
from flask import Flask, current_app

from .domain.directory import create_technician, create_user
from .domain.errors import ValidationFailed
from .extensions import db
from .models import ROLES, utcnow


def _lat_lon(value: str) -> dict:
    try:
        lat, lon = (float(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter("expected LAT,LON, e.g. 31.23,121.47") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise click.BadParameter("latitude must be within ±90 and longitude within ±180")
    return {"lat": lat, "lon": lon}


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", default=None, help="defaults to the part of the email before @")
@click.option("--skills", default="", help="technicians: comma-separated skills")
@click.option("--home", default=None, help="technicians: home position as LAT,LON")
@click.option("--phone", default=None)
def create_user_command(email, password, role, name, skills, home, phone):
    """Create a user; a technician also gets a technician profile."""
    name = name or email.split("@")[0]
    hash_method = current_app.config["PASSWORD_HASH_METHOD"]
    try:
        if role == "technician":
            if home is None:
                raise click.UsageError("a technician needs --home LAT,LON")
            data = {
                "email": email,
                "password": password,
                "name": name,
                "phone": phone,
                "skills": [s.strip() for s in skills.split(",") if s.strip()],
                "home": _lat_lon(home),
            }
            user = create_technician(db.session, data, hash_method).user
        else:
            user = create_user(
                db.session, email=email, password=password, role=role, name=name, hash_method=hash_method
            )
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        raise click.ClickException("; ".join(f"{k}: {', '.join(v)}" for k, v in error.fields.items())) from None
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@click.command("purge-idempotency")
def purge_idempotency_command():
    """Forget Idempotency-Keys older than IDEMPOTENCY_KEEP_DAYS."""
    from .api.transaction import purge_idempotency_records

    removed = purge_idempotency_records(db.session, utcnow(), current_app.config["IDEMPOTENCY_KEEP_DAYS"])
    db.session.commit()
    click.echo(f"removed {removed} idempotency records")


def register(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(purge_idempotency_command)
