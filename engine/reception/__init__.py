"""Leader reception days as data: the rota (who receives when), its date rules and the scheduler that starts
each day."""
from .rota import (LEAD_DAYS, MAX_PLAN_MONTHS, Rota, RotaEntry, RotaError, import_csv, start_scheduled_days,
                   variant_choices)

__all__ = ["LEAD_DAYS", "MAX_PLAN_MONTHS", "RotaEntry", "RotaError", "Rota", "import_csv", "start_scheduled_days",
           "variant_choices"]
