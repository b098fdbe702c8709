"""Demo data: example cases of every procedure at an early step, for `demo seed` and `make run`."""
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


FIRST_STEPS = [  # (process, number, starter, group, data of the first task; None = today)
    ("hotline", 1, "op1", "operators", EXAMPLES[0]),
    ("hotline", 2, "op1", "operators", EXAMPLES[1]),
    ("petition_case", 1, "petition1", "petition_bureau",
     {"channel": "visit", "petitioner_name": "张三", "phone": "13800000003", "address": "兰山区某街道",
      "summary": "申请低保一年未获答复", "petition_class": "claim",
      "category": "livelihood_support", "persons_count": 1,
      "received_on": None}),
    ("reception_day", 1, "petition1", "petition_bureau", {"variant": "linyi_bureau", "target_month": "2026-12"}),
    ("petition_supervision", 1, "sup1", "supervisors",
     {"trigger": "(二)", "target_units": ["住建局"], "description": "某小区物业纠纷集中信访，多次反映未果"}),
]


def seed_demo_cases(service) -> int:
    """Start each example once (an existing demo case is not duplicated); returns cases started."""
    overseer = Actor.of("admin", ["admins"])
    started = 0
    for key, number, starter, group, data in FIRST_STEPS:
        try:
            service.current(key)
        except NotFound:
            continue
        if number in {r.data.get("demo_example") for r in service.instances(overseer, key)}:
            continue
        actor = Actor.of(starter, [group])
        rec = service.start(key, {}, actor, internal={"demo_example": number})
        first = service.ready_tasks(rec.id)[0]
        today = service.now().date().isoformat()
        service.complete(first.task_id, {k: today if v is None else v for k, v in data.items()}, actor)
        started += 1
    return started
