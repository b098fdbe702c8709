"""`flask --app webapp rota list|add|plan|remove|import`: the reception rota (领导接访日程安排表) from the command line."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from engine.reception import Rota, RotaError, import_csv
from engine.reception.csv_import import problem_text
from engine.reception.rota import rota_cursor


def _rota() -> Rota:
    return Rota.of(current_app.extensions["service"])


def register_rota(app):
    rota_cli = AppGroup("rota", help="The reception rota: who receives on which reception day.")

    @rota_cli.command("list")
    @click.option("--limit", default=50, help="entries per page")
    @click.option("--after", default=None, help="cursor DATE,ID of the previous page's last entry")
    def list_entries(limit, after):
        cursor = rota_cursor(after) if after else None
        if after and cursor is None:
            raise click.ClickException("--after is DATE,ID (as the previous page printed it)")
        entries, next_cursor = _rota().page(cursor, max(1, min(limit, 500)))
        for e in entries:
            state = e.instance_id if e.started else ("starting" if e.instance_id else f"starts {e.start_on}")
            click.echo(f"{e.id}\t{e.reception_date}\t{e.variant}\t{e.leader}\t{e.leader_title}\t{e.convener}\t{state}")
        if next_cursor:
            click.echo(f"next page: --after {next_cursor[0]},{next_cursor[1]}")

    @rota_cli.command("add")
    @click.argument("variant")
    @click.argument("reception_date")
    @click.argument("leader")
    @click.option("--title", default="", help="the leader's title (职务)")
    @click.option("--convener", default="", help="user name of the first convener alerted on a no-show")
    @click.option("--note", default="", help="a special arrangement's reason")
    @click.option("--special", is_flag=True, help="a date off the variant's rules (the note says why)")
    def add(variant, reception_date, leader, title, convener, note, special):
        try:
            entry = _rota().add(variant, reception_date, leader, title, convener, note, off_rule=special)
        except RotaError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{entry.id}: {entry.reception_date} {entry.variant} {entry.leader} (starts {entry.start_on})")

    @rota_cli.command("plan")
    @click.argument("variant")
    @click.argument("first_month")
    @click.option("--months", default=12, show_default=True, help="how many months from FIRST_MONTH (YYYY-MM)")
    @click.option("--leader", "leaders", multiple=True, required=True, help="user name; repeat: they take turns")
    @click.option("--title", default="", help="the leaders' title (职务)")
    @click.option("--convener", default="", help="user name of the first convener alerted on a no-show")
    def plan(variant, first_month, months, leaders, title, convener):
        """Put every reception day of the variant's rules in those months on the rota."""
        try:
            added, skipped = _rota().plan(variant, first_month, months, list(leaders), title, convener)
        except RotaError as exc:
            raise click.ClickException(str(exc)) from exc
        for e in added:
            click.echo(f"{e.id}: {e.reception_date} {e.variant} {e.leader} (starts {e.start_on})")
        click.echo(f"planned {len(added)} day(s); skipped {skipped} already on the rota or passed")

    @rota_cli.command("remove")
    @click.argument("entry_id", type=int)
    def remove(entry_id):
        try:
            _rota().remove(entry_id)
        except RotaError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{entry_id} removed")

    @rota_cli.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    def import_file(file):
        """CSV rows: variant,reception_date,leader[,leader_title,convener,note,special]; all or nothing."""
        try:
            text = Path(file).read_text("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise click.ClickException(f"{file}: not a UTF-8 file (save the CSV as UTF-8)") from exc
        added, problems = import_csv(_rota(), text)
        if problems:
            raise click.ClickException(f"{file}: nothing imported\n" + "\n".join(problem_text(*p) for p in problems))
        click.echo(f"imported {added} rota entr{'y' if added == 1 else 'ies'}")

    app.cli.add_command(rota_cli)
