"""The scheduler that starts each rota entry's reception_day case once its start day has come (called by the
timer worker, `engine tick`): an entry is claimed before its case is started, so two workers never start the same
day twice."""
from __future__ import annotations

import logging
import uuid

from .rota import CLAIMED

log = logging.getLogger(__name__)


def start_scheduled_days(service, limit: int = 50) -> list[str]:
    """Start the reception day of each rota entry whose start day has come (called by the timer worker).
    Returns the case numbers started. The entry is claimed first: a second worker skips it."""
    key = "reception_day"
    current = service.latest().get(key)
    if current is None:
        return []
    today = service.today()
    started = []
    for entry in service.store.due_rota_entries(today, limit):
        token = CLAIMED + uuid.uuid4().hex
        if not service.store.claim_rota_entry(entry.id, token):
            continue                                   # another worker has it
        try:
            user = service.store.get_user(entry.leader)
            data = {"rota_id": entry.id, "rota_scheduled": True, "variant": entry.variant,
                    "reception_date": entry.reception_date, "target_month": entry.reception_date[:7],
                    "duty_leader": entry.leader, "leader_name": (user.display_name if user else "") or entry.leader,
                    "leader_title": entry.leader_title, "first_convener": entry.convener}
            rec, _step = service._start(current, service.compiled(current.bundle_hash), data, "system")
        except Exception:                              # the day stays on the rota, retried next run
            log.exception("rota entry %s could not be started", entry.id)
            service.store.set_rota_instance(entry.id, token, None)
            continue
        service.store.set_rota_instance(entry.id, token, rec.id)
        started.append(rec.data.get("case_no", rec.id))
    return started
