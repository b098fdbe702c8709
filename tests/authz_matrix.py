"""The machinery of the authorisation matrix (tests/test_authz_matrix.py): one base world with two cases, a
fresh copy of it for every request (so a request that changes something never decides the next one), the
principals (a session per role for the pages, a Bearer token per role for the API), the URL values and the
bodies that would succeed, and how a response is classified."""
from __future__ import annotations

import copy
import datetime as dt
import io
import re
import shutil
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from engine.access import Actor
from engine.accounts.users import new_token, seed_demo_users
from engine.service import Service
from engine.sql.store import SqlStore
from engine.stats.bulletins import issue
from engine.store import MemoryStore
from tests.conftest import login, make_service
from tests.test_hotline import DISPATCH, OP, REGISTER
from tests.walk import do, ready

ROLES = {  # role -> demo user
    "operator": "op1", "reviewer": "review1", "leader": "leader1", "petition_bureau": "petition1",
    "supervisor": "sup1", "unit": "dept1", "other_unit": "dept3", "designer": "designer1", "auditor": "audit1",
    "admin": "admin", "anonymous": None,
}
UNITS = {"own": "住建局", "other": "人社局"}     # dept1 is of 住建局: "own" is its unit's case, "other" is not
SHM = Path("/dev/shm")           # the per-request database copies live in memory where the system allows
PUBLIC = ("/healthz", "/api/v1/openapi.json", "/login", "/static/<path:filename>")


@dataclass
class World:
    store: object        # the base world: a MemoryStore, or a SqlStore on a SQLite file
    compiled: dict
    clock: object
    cases: dict          # variant -> {"instance_id", "task_id", "attachment_id", "case_no"}
    tokens: dict         # role -> Bearer token
    bulletin: str
    copies: Path | None = None      # SQLite: where each request's copy of the database goes
    _last: SqlStore | None = None

    def service(self) -> Service:
        """A service over a copy of the base store: each request starts from the same world."""
        if isinstance(self.store, MemoryStore):
            store = copy.deepcopy(self.store, {id(self.store._lock): threading.Lock()})
        else:
            if self._last is not None:
                self._last.engine.dispose()
            target = self.copies / "request.db"
            with sqlite3.connect(self.store.engine.url.database) as source, sqlite3.connect(target) as copied:
                source.backup(copied)
            store = self._last = SqlStore(f"sqlite:///{target}")
        service = Service(store, self.clock)
        service._compiled = self.compiled          # compiled bundles are immutable: share them
        return service

    def close(self):
        if self._last is not None:
            self._last.engine.dispose()
        if self.copies is not None:
            shutil.rmtree(self.copies, ignore_errors=True)


def build_world(clock, store) -> World:
    """Two hotline tickets at 签收 on `store` (see the test's docstring), a bulletin, a token per role."""
    service = make_service(store, clock)
    seed_demo_users(service.store)
    cases = {}
    for variant, unit in UNITS.items():
        rec = service.start("hotline", {}, OP)
        do(service, rec.id, "register", OP, REGISTER)
        do(service, rec.id, "dispatch", OP, dict(DISPATCH, lead_unit=unit))
        attachment = service.add_attachment(rec.id, OP, "photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
        service.add_comment(rec.id, OP, "已转交")
        task = ready(service, rec.id)["accept"]
        if variant == "own":                  # held by dept1: release and take-back have something to act on
            service.claim(task.task_id, Actor.of("dept1", ["dept:住建局"]))
        cases[variant] = {"instance_id": rec.id, "task_id": ready(service, rec.id)["accept"].task_id,
                          "attachment_id": attachment["id"], "case_no": service.store.get_instance(rec.id).case_no}
    bulletin = issue(service.figures, "weekly_demands", dt.date(2026, 11, 16), dt.date(2026, 11, 22), "admin")
    tokens = {role: new_token(service.store, name, now=service.now()) for role, name in ROLES.items() if name}
    copies = None if isinstance(store, MemoryStore) else Path(tempfile.mkdtemp(dir=SHM if SHM.is_dir() else None))
    return World(service.store, service._compiled, clock, cases, tokens, bulletin.no, copies)


def sessions(app) -> dict:
    """One logged-in test client per role (anonymous: none), made against the base world."""
    clients = {}
    for role, name in ROLES.items():
        client = app.test_client()
        if name:
            assert login(client, name).status_code == 302, role
        clients[role] = client
    return clients


def url_for_rule(rule, world: World, variant: str | None) -> str:
    case = world.cases[variant or "own"]
    values = {"instance_id": case["instance_id"], "task_id": case["task_id"], "attachment_id": case["attachment_id"],
              "key": "hotline", "version": "1", "name": "hotline.bpmn", "no": world.bulletin,
              "filename": "app.css", "entry_id": "1", "unit": "住建局", "kind": "notice"}
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values[m.group(1)], rule)


def case_bound(rule: str) -> bool:
    return "<instance_id>" in rule or "<task_id>" in rule


def classify(response, api: bool) -> str:
    """ok (the request got through: 2xx, or a redirect that is not to the login page, or a 4xx about the
    input), login (anonymous: 401 on the API, the login page on the web), 403, 404, or the status."""
    status = response.status_code
    if status in (403, 404):
        return str(status)
    if status == 401:          # the API, and the studio's JSON calls, answer 401 rather than the login page
        return "login"
    if status in (301, 302, 303):
        target = urlsplit(response.headers["Location"])
        return "login" if target.path == "/login" and "next=" in target.query else "ok"
    if status < 300 or status in (400, 409, 415, 422):
        return "ok"
    return str(status)


def png():
    return (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"1" * 32), "more.png")


def _form(**fields):
    return lambda world, variant: {"data": fields}


def _json(body):
    return lambda world, variant: {"json": body}


def hotline_files(world) -> dict[str, str]:
    dep = [d for d in world.store.deployments("hotline")][-1]
    return world.store.get_bundle_files(dep.bundle_hash)


def _elsewhere(variant) -> str:
    """A unit the case's task may be handed over to: not the one that has it."""
    return "住建局" if variant == "other" else "人社局"


BODIES = {  # what a permitted caller would send to succeed (every request runs on its own copy of the world)
    "POST /login": _form(username="op1", password="demo"),
    "POST /tasks/<task_id>": _form(decision="accept"),
    "POST /tasks/<task_id>/handover": lambda world, variant: {"data": {"to": f"unit:{_elsewhere(variant)}",
                                                                      "reason": "不属本单位职责"}},
    "POST /tasks/<task_id>/return": _form(reason="派错单位"),
    "POST /instances/<instance_id>/comments": _form(text="请尽快办理"),
    "POST /instances/<instance_id>/attachments": lambda world, variant: {"data": {"file": png()}},
    "POST /instances/<instance_id>/cancel": _form(reason="重复工单"),
    "POST /start/<key>": _form(**{k: v for k, v in REGISTER.items() if isinstance(v, str)}),
    "POST /admin/calendar": _form(day="2026-12-01", kind="holiday"),
    "POST /admin/rota/plan": _form(variant="linyi_bureau", first_month="2026-12", months="2", leaders="leader1"),
    "POST /admin/calendar/import": _form(notice='{"year": 2030, "holidays": ["2030-01-01"], "workdays": []}'),
    "POST /admin/cases/<instance_id>/cancel": _form(reason="重复工单"),
    "POST /admin/cases/<instance_id>/move": _form(version="2", reason="修正版本"),
    "POST /admin/directory/units": _form(name="新单位", type="department", parent=""),
    "POST /admin/directory/members": _form(unit="人社局", user="dept3", role="handler"),
    "POST /admin/directory/members/remove": _form(unit="公安局", user="dept3"),
    "POST /admin/directory/users": _form(name="newuser", password="a-long-password-1", display_name="新用户"),
    "POST /admin/directory/users/active": _form(user="dept4", active="false"),
    "POST /admin/orphans/<task_id>": _form(unit="人社局", reason="改派"),
    "POST /admin/accounts/tokens/revoke": _form(token_id="nothing"),
    "POST /designer/<key>/rollback": _form(version="1", comment="回滚"),
    "POST /designer/<key>/migrate": lambda world, variant: {"data": {"reason": "修正",
                                                                     "case": world.cases["own"]["instance_id"]}},
    "POST /designer/<key>/versions": lambda world, variant: {"data": {"comment": "c", "files": (
        io.BytesIO(hotline_files(world)["hotline.bpmn"].encode()), "hotline.bpmn")}},
    "POST /designer/<key>/check": lambda world, variant: {"json": {"files": hotline_files(world)}},
    "POST /designer/<key>/deploy": lambda world, variant: {"json": {"files": hotline_files(world), "comment": "c"}},
    "POST /designer/<key>/dryrun.json": _json({"data": {}, "steps": []}),
    "POST /designer/timer-preview": _json({"expression": "'2026-12-01T09:00:00+08:00'", "data": {}}),
    "POST /designer/form-preview": _json({"schema": {"type": "object"}, "ui_schema": {}, "data": {}}),
    "POST /audit/cases/<instance_id>/reveal": _form(reason="核查来电人身份"),
    "POST /stats/bulletins": _form(kind="weekly_demands", confirm="1", **{"from": "2026-11-16", "to": "2026-11-22"}),
    "POST /api/v1/processes/<key>/instances": _json({"data": {}}),
    "POST /api/v1/tasks/<task_id>/complete": _json({"data": {"decision": "accept"}}),
    "POST /api/v1/tasks/<task_id>/claim": _json({}),
    "POST /api/v1/tasks/<task_id>/release": _json({}),
    "POST /api/v1/tasks/<task_id>/handover": lambda world, variant: {"json": {"to_unit": _elsewhere(variant),
                                                                              "reason": "不属本单位职责"}},
    "POST /api/v1/tasks/<task_id>/return": _json({"reason": "派错单位"}),
    "POST /api/v1/instances/<instance_id>/cancel": _json({"reason": "重复工单"}),
    "POST /api/v1/instances/<instance_id>/comments": _json({"text": "请尽快办理"}),
    "POST /api/v1/instances/<instance_id>/attachments": lambda world, variant: {"data": {"file": png()}},
    "POST /api/v1/instances/<instance_id>/replay": _json({}),
    "POST /api/v1/processes/<key>/versions": lambda world, variant: {"json": {"files": hotline_files(world)}},
}


def endpoints(app) -> list[tuple[str, str]]:
    """Every (method, rule) the app serves, from its URL map."""
    found = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method, rule.rule))
    return sorted(found, key=lambda mr: (mr[1], mr[0]))


def send(app, world, clients, method, rule, role, variant):
    """One request of `role` (a session on the pages, its Bearer token on the API) on a fresh world."""
    app.extensions["service"] = world.service()
    api = rule.startswith("/api/")
    url = url_for_rule(rule.replace("/admin/accounts/<name>", "/admin/accounts/dept1"), world, variant)
    kwargs = BODIES.get(f"{method} {rule}", lambda w, v: {})(world, variant) if method != "GET" else {}
    if api:
        client = clients["anonymous"]
        headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role != "anonymous" else {}
        if "json" not in kwargs and "data" not in kwargs and method != "GET":
            kwargs["json"] = {}
        return client.open(url, method=method, headers=headers, **kwargs)
    client = clients[role]
    if rule in ("/logout", "/login") and method == "POST":   # these end or change the client's session
        client = app.test_client()
        if ROLES[role]:
            login(client, ROLES[role])
    return client.open(url, method=method, **kwargs)
