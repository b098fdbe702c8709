"""Leader reception days as data: the rota (who receives when) and the scheduler that starts each day."""
from .rota import (LEAD_DAYS, VARIANTS, RotaEntry, RotaError, Rota, import_csv, start_scheduled_days)

__all__ = ["LEAD_DAYS", "VARIANTS", "RotaEntry", "RotaError", "Rota", "import_csv", "start_scheduled_days"]
