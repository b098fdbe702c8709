"""Leader reception days as data: the rota (who receives when) and the scheduler that starts each day."""
from .rota import LEAD_DAYS, Rota, RotaEntry, RotaError, import_csv, start_scheduled_days, variant_choices

__all__ = ["LEAD_DAYS", "RotaEntry", "RotaError", "Rota", "import_csv", "start_scheduled_days", "variant_choices"]
