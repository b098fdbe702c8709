"""The `flask --app webapp ...` commands of the contract: engine, calendar, users, demo, processes."""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from engine.access import SYSTEM
from engine.accounts.users import (TOKEN_DAYS, create_user, new_token, seed_demo_users, set_password, token_id_of,
                             unlock)
from engine.clock import FixedClock
from engine.library import InvalidProcess
from engine.service import InvalidData, NotFound, NotRepairable, ProcessError, TaskClosed
from engine.workcal import parse_day

from .demo import seed_demo_cases
from .directory_cli import register_directory
from .rota_cli import register_rota


def _service():
    return current_app.extensions["service"]


def _when(at) -> str:
    return at.isoformat(timespec="minutes") if at else "-"


def _repair(action):
    try:
        return action(_service())
    except (NotFound, NotRepairable, ProcessError, TaskClosed, InvalidData) as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc


def _aware(value: str) -> dt.datetime:
    at = dt.datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))


def register(app):
    engine_cli = AppGroup("engine", help="Timers and workers.")
    calendar_cli = AppGroup("calendar", help="The working-day calendar.")
    users_cli = AppGroup("users", help="User accounts.")
    demo_cli = AppGroup("demo", help="Demo data.")
    processes_cli = AppGroup("processes", help="Deploy the diagrams in processes/.")
    cases_cli = AppGroup("cases", help="Repair cases that cannot move on.")

    @engine_cli.command("tick")
    @click.option("--now", "now", default=None, help="ISO 8601 time to treat as now")
    def tick(now):
        service = _service()
        if now:
            service.clock = FixedClock(_aware(now))
        fired = service.fire_due_timers()
        for instance_id, names in fired:
            click.echo(f"{instance_id}: {', '.join(names)}")
        click.echo(f"fired {sum(len(n) for _, n in fired)} timer(s) in {len(fired)} case(s)")

    @engine_cli.command("worker")
    @click.option("--interval", default=10.0, help="seconds between checks")
    @click.option("--max-loops", default=0, help="stop after N loops (0 = run forever)")
    @click.option("--now", "now", default=None, help="ISO 8601 time to treat as now (tests, catching up)")
    def worker(interval, max_loops, now):
        if now:
            _service().clock = FixedClock(_aware(now))
        loops = 0
        while not max_loops or loops < max_loops:
            for instance_id, names in _service().fire_due_timers():
                click.echo(f"{dt.datetime.now().isoformat(timespec='seconds')} {instance_id}: {', '.join(names)}")
            loops += 1
            if not max_loops or loops < max_loops:
                time.sleep(interval)

    @calendar_cli.command("due")
    @click.argument("start")
    @click.argument("days", type=int)
    def due(start, days):
        service = _service()
        try:
            result = service.calendar.due(parse_day(start), days)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(result.isoformat())
        for year in service.calendar.warnings(parse_day(start), result):
            click.echo(f"warning: no official holiday table for {year}; weekends only", err=True)

    @calendar_cli.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    def calendar_import(file):
        try:
            year, count = _service().calendar.import_year(Path(file).read_text("utf-8"), source=f"import {file}")
        except (ValueError, KeyError, TypeError) as exc:
            raise click.ClickException(f"{file}: {exc}") from exc
        click.echo(f"imported {year}: {count} day(s)")

    @calendar_cli.command("set")
    @click.argument("day")
    @click.argument("kind", type=click.Choice(["workday", "holiday", "default"]))
    def calendar_set(day, kind):
        try:
            _service().calendar.set_day(parse_day(day), None if kind == "default" else kind)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{day}: {kind}")

    @calendar_cli.command("seed")
    def calendar_seed():
        click.echo(f"seeded {_service().calendar.seed_from_package()} day(s) from chinese-calendar")

    @users_cli.command("create")
    @click.argument("name")
    @click.option("--group", "groups", multiple=True, required=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--display-name", default="")
    def users_create(name, groups, password, display_name):
        try:
            create_user(_service().store, name, password, groups, display_name)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"user {name} in {', '.join(groups)}")

    @users_cli.command("token")
    @click.argument("name")
    @click.option("--days", default=TOKEN_DAYS, show_default=True, help="days until the token expires")
    def users_token(name, days):
        """Print a new API token for NAME (shown once; its id is the part before the dot)."""
        try:
            click.echo(new_token(_service().store, name, days, _service().now()))
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc

    @users_cli.command("tokens")
    @click.argument("name")
    def users_tokens(name):
        """List NAME's API tokens: id, created, expires."""
        now = _service().now()
        for token in _service().store.tokens_of(name):
            expired = " (expired)" if token.expires_at and token.expires_at <= now else ""
            click.echo(f"{token.token_id}  created {_when(token.created_at)}  expires {_when(token.expires_at)}"
                       f"{expired}")

    @users_cli.command("revoke")
    @click.argument("token_id")
    def users_revoke(token_id):
        """Revoke an API token by its id."""
        if not _service().store.delete_token(token_id_of(token_id)):
            raise click.ClickException(f"no token {token_id}")
        click.echo(f"revoked {token_id}")

    @users_cli.command("unlock")
    @click.argument("name")
    def users_unlock(name):
        """Unlock an account locked after too many wrong passwords."""
        try:
            unlock(_service().store, name)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"unlocked {name}")

    @users_cli.command("password")
    @click.argument("name")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    def users_password(name, password):
        """Set NAME's password; every session of NAME ends."""
        if _service().store.get_user(name) is None:
            raise click.ClickException(f"no user {name}")
        try:
            set_password(_service().store, name, password)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"password of {name} changed; sessions ended")

    @cases_cli.command("retry")
    @click.argument("instance_id")
    def cases_retry(instance_id):
        """Run a case in error again (recorded as `retried`, or as another error)."""
        rec = _repair(lambda s: s.retry(instance_id, SYSTEM))
        click.echo(f"{instance_id}: {rec.status}")

    @cases_cli.command("cancel")
    @click.argument("instance_id")
    @click.option("--reason", required=True, help="why, kept in the case history")
    def cases_cancel(instance_id, reason):
        """Cancel a running or failed case: its tasks close and its timers stop (recorded)."""
        rec = _repair(lambda s: s.cancel(instance_id, SYSTEM, reason))
        click.echo(f"{instance_id}: {rec.status}")

    @cases_cli.command("move")
    @click.argument("instance_id")
    @click.argument("version", type=int)
    @click.option("--reason", required=True, help="why, kept in the case history")
    def cases_move(instance_id, version, reason):
        """Move a failed case to a newer (fixed) version of its process and run it again (recorded)."""
        rec = _repair(lambda s: s.move_to_version(instance_id, SYSTEM, version, reason))
        click.echo(f"{instance_id}: {rec.status} on version {rec.version}")

    @processes_cli.command("load")
    def processes_load():
        cfg = current_app.config
        try:
            deps = _service().deploy_directory(Path(cfg["PROCESSES_DIR"]), Path(cfg["FORMS_DIR"]), "cli")
        except InvalidProcess as exc:
            for p in exc.problems:
                click.echo(f"{p['file']}:{p['line'] or ''} {p['element'] or ''}: {p['message']}", err=True)
            raise click.exceptions.Exit(1)
        for dep in deps:
            click.echo(f"{dep.process_key} v{dep.version} {dep.bundle_hash[:12]}")

    @demo_cli.command("seed")
    def demo_seed():
        from engine.directory.seed import seed_directory
        service = _service()
        created = seed_directory(service.store) + seed_demo_users(service.store)
        click.echo(f"units: {len(service.directory.units())}")
        click.echo(f"users created: {', '.join(created) or 'none (already there)'}")
        click.echo(f"example cases: {seed_demo_cases(service)}")

    for group in (engine_cli, calendar_cli, users_cli, demo_cli, processes_cli, cases_cli):
        app.cli.add_command(group)
    register_directory(app, users_cli)
    register_rota(app)
