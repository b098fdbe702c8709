"""Demo data: a few example hotline tickets at different steps, for `demo seed` and `make run`."""
from __future__ import annotations

from engine.access import Actor
from engine.service import NotFound

EXAMPLES = [
    {"operator_no": "A017", "channel": "phone_12345", "caller_name": "王女士", "caller_phone": "13800000001",
     "caller_unit_or_address": "兰江街道振兴路12号", "matter_type": "complaint_criticism",
     "target_body": "government_admin", "content_summary": "小区旁工地夜间施工噪音扰民，已持续两周。",
     "locality": "兰江街道", "urgency": "normal", "handling_mode": "network_assignment",
     "confidential_requested": False, "petition_bureau_involved": False, "repeat_of_deemed_completed": False},
    {"operator_no": "A021", "channel": "mailbox_email", "caller_name": "李先生", "caller_phone": "13900000002",
     "caller_unit_or_address": "云山街道", "matter_type": "consultation", "target_body": "government_admin",
     "content_summary": "咨询灵活就业人员参加养老保险的办理流程。", "locality": "云山街道", "urgency": "normal",
     "handling_mode": "immediate_answer", "confidential_requested": False, "petition_bureau_involved": False,
     "repeat_of_deemed_completed": False},
]


def seed_demo_cases(service) -> int:
    """Start the examples once (an existing demo case is not duplicated); returns cases started."""
    try:
        service.current("hotline")
    except NotFound:
        return 0
    operator = Actor.of("op1", ["operators"])
    existing = {r.data.get("demo_example") for r in service.instances(Actor.of("admin", ["admins"]), "hotline")}
    started = 0
    for number, example in enumerate(EXAMPLES, start=1):
        if number in existing:
            continue
        rec = service.start("hotline", {"demo_example": number}, operator)
        first = service.ready_tasks(rec.id)[0]
        service.complete(first.task_id, example, operator)
        started += 1
    return started
