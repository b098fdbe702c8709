"""`flask --app webapp stats rebuild` (fact rows again from the event log) and `stats issue KIND` (a bulletin)."""
from __future__ import annotations

import click

from engine.stats.bulletins import KINDS, default_period, issue
from engine.stats.figures import parse_day, rebuild_facts

from ..common import service
from . import bp


@bp.cli.command("rebuild")
def rebuild():
    """Recompute the figures' fact rows and running totals from the event log."""
    click.echo(f"{rebuild_facts(service().store)} cases folded")


@bp.cli.command("issue")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.option("--from", "start", help="first day (YYYY-MM-DD); default: the last full week or month")
@click.option("--to", "end", help="last day (YYYY-MM-DD)")
@click.option("--by", "issued_by", default="system", show_default=True)
def issue_command(kind, start, end, issued_by):
    """Generate, number and store a bulletin (e.g. weekly 诉求动态 from cron)."""
    figures = service().figures
    default = default_period(kind, figures.today())
    bulletin = issue(figures, kind, parse_day(start) or default[0], parse_day(end) or default[1], issued_by)
    click.echo(f"{bulletin.no} {bulletin.title} {bulletin.content['issue_label']}")
