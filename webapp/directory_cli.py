"""`flask --app webapp directory ...` and `users deactivate|activate`: the organisation from the command line."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from engine.directory import ROLES, UNIT_TYPES, DirectoryError, LastMember


def _directory():
    return current_app.extensions["service"].directory


def _run(change):
    try:
        return change()
    except LastMember as exc:
        lines = [f"refused: {exc.unit} would have no active member; open tasks:"]
        lines += [f"  {t.task_id} {t.case_title} · {t.title}" for t in exc.tasks]
        raise click.ClickException("\n".join(lines)) from exc
    except DirectoryError as exc:
        raise click.ClickException(str(exc)) from exc


def register_directory(app, users_cli):
    directory_cli = AppGroup("directory", help="Units, members and roles.")

    @directory_cli.command("list")
    def list_units():
        for unit in _directory().units():
            members = ", ".join(f"{u.name}({role}{'' if u.active else ', inactive'})"
                                for u, role in _directory().members_of(unit))
            click.echo(f"{unit.name}\t{unit.type}\t{unit.parent or '-'}\t{unit.group}\t{members or '-'}")

    @directory_cli.command("add-unit")
    @click.argument("name")
    @click.option("--type", "type_", type=click.Choice(UNIT_TYPES), default="department")
    @click.option("--parent", default=None)
    @click.option("--group", default="", help="task group (default dept:<name> for handling units)")
    def add_unit(name, type_, parent, group):
        unit = _run(lambda: _directory().add_unit(name, type_, parent, group))
        click.echo(f"unit {unit.name} ({unit.type}) group {unit.group}")

    @directory_cli.command("add-member")
    @click.argument("unit")
    @click.argument("user")
    @click.option("--role", type=click.Choice(ROLES), default="handler")
    def add_member(unit, user, role):
        _run(lambda: _directory().add_member(unit, user, role))
        click.echo(f"{user} in {unit} as {role}")

    @directory_cli.command("remove-member")
    @click.argument("unit")
    @click.argument("user")
    def remove_member(unit, user):
        _run(lambda: _directory().remove_member(unit, user))
        click.echo(f"{user} left {unit}")

    @users_cli.command("deactivate")
    @click.argument("name")
    def deactivate(name):
        _run(lambda: _directory().set_user_active(name, False))
        click.echo(f"{name} deactivated")

    @users_cli.command("activate")
    @click.argument("name")
    def activate(name):
        _run(lambda: _directory().set_user_active(name, True))
        click.echo(f"{name} active")

    app.cli.add_command(directory_cli)
