"""The demo organisation: the units the seed documents name, one demo user per unit (password demo)."""
from __future__ import annotations

from ..accounts.users import DEMO_USERS, hash_password
from ..store import User
from .directory import Directory
from .model import Unit

DEPARTMENTS = ["住建局", "人社局", "公安局", "交通运输局", "市场监管局", "生态环境局", "教育局", "卫健局", "民政局",
               "城管执法局"]
UNITS = [  # (name, type, parent, group or "" for dept:<name>)
    *[(name, "department", None, "") for name in DEPARTMENTS],
    ("兰江街道", "township", None, ""), ("云山街道", "township", None, ""), ("游埠镇", "township", None, ""),
    ("供电公司", "vertical", None, ""),
    ("12345热线中心", "centre", None, "reviewers"), ("话务组", "centre", "12345热线中心", "operators"),
    ("信访局", "bureau", None, "petition_bureau"), ("督查室", "bureau", "信访局", "supervisors"),
    ("效能办", "efficiency_office", None, "efficiency_office"), ("市政府领导", "leadership", None, "leaders"),
    ("复查机关", "review_organ", None, "review_organ"), ("复核机关", "review_organ", None, "rereview_organ"),
]
EXTRA_USERS = [  # (name, display name, unit, role) beyond the contract's demo users
    *[(f"dept{i}", f"{name} dept{i}", name, "handler") for i, name in enumerate(DEPARTMENTS[2:], start=3)],
    ("town1", "兰江街道 town1", "兰江街道", "handler"), ("town2", "云山街道 town2", "云山街道", "handler"),
    ("town3", "游埠镇 town3", "游埠镇", "handler"), ("power1", "供电公司 power1", "供电公司", "handler"),
    ("eff1", "效能办 eff1", "效能办", "handler"), ("head1", "住建局负责人 head1", "住建局", "head"),
]
CONTRACT_UNITS = {"op1": "话务组", "review1": "12345热线中心", "dept1": "住建局", "dept2": "人社局",
                  "leader1": "市政府领导", "petition1": "信访局", "sup1": "督查室", "organ1": "复查机关",
                  "organ2": "复核机关"}
LIAISONS = {"petition1"}


def seed_directory(store, password_hash: str | None = None) -> list[str]:
    """Units, demo users and their roles; existing units and users are kept. Returns the users created."""
    directory = Directory(store)
    known = {u.name for u in store.units()}
    for name, type_, parent, group in UNITS:
        if name not in known:
            store.put_unit(Unit(name, type_, parent, group))
    password_hash = password_hash or hash_password("demo")
    created = []
    people = [(n, d, g, CONTRACT_UNITS.get(n), "liaison" if n in LIAISONS else "handler") for n, d, g in DEMO_USERS]
    people += [(n, d, [], unit, role) for n, d, unit, role in EXTRA_USERS]
    for name, display, groups, unit, role in people:
        if store.get_user(name) is None:
            store.add_user(User(name, password_hash, sorted(groups), display))
            created.append(name)
            if unit:
                directory.add_member(unit, name, role)
    return created
