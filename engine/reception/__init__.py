"""Leader reception days as data: the rota (who receives when) with its date rules, its CSV import, and the
scheduler that starts each day."""
from .csv_import import import_csv
from .rota import LEAD_DAYS, MAX_PLAN_MONTHS, Rota, RotaEntry, RotaError, variant_choices
from .scheduler import start_scheduled_days

__all__ = ["LEAD_DAYS", "MAX_PLAN_MONTHS", "RotaEntry", "RotaError", "Rota", "import_csv", "start_scheduled_days",
           "variant_choices"]
