"""`flask --app webapp stats rebuild`: recompute every case's fact row from its recorded events."""
from __future__ import annotations

import click

from engine.stats.figures import rebuild_facts

from ..common import service
from . import bp


@bp.cli.command("rebuild")
def rebuild():
    """Recompute the figures' fact rows and running totals from the event log."""
    click.echo(f"{rebuild_facts(service().store)} cases folded")
