"""Authorisation matrix: every role x every endpoint of the app (pages and /api/v1, read from app.url_map) x a
case of the unit's own and of another unit, checked against ONE table of expected outcomes. A route that is
not in the table fails the test, so a new endpoint cannot ship without deciding who may call it.

Outcomes: ok (the request got through), 403, 404, login (the login page for pages, 401 for the API and the
studio's JSON calls). Pages are called with each role's session, the API with each role's Bearer token; every
request runs on a fresh copy of the same world (two hotline tickets at 签收: "own" at 住建局, whose task dept1
holds, and "other" at 人社局), so a permitted request that changes something never decides the next one.
List endpoints also say which of the two cases each role finds in them. All of it runs on the in-memory store
and on SQLite (each request on its own copy of the database file)."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.clock import FixedClock
from engine.store import MemoryStore
from tests.conftest import sqlite_store
from tests.authz_matrix import PUBLIC, ROLES, build_world, case_bound, classify, endpoints, send, sessions
from webapp import create_app

CHINA = dt.timezone(dt.timedelta(hours=8))
STAFF = frozenset(ROLES) - {"anonymous"}
ADMIN = {"admin"}
AUDIT = {"auditor", "admin"}
DESIGN = {"designer", "admin"}
ROTA = {"petition_bureau", "admin"}                # the reception rota: the petition bureau keeps it
DESIGN_LOG = DESIGN | {"auditor"}                  # the studio's version history and diff are read by auditors
FIGURES = {"reviewer", "leader", "petition_bureau", "supervisor", "unit", "other_unit", "auditor", "admin"}
STARTERS = {"operator", "admin"}                   # the hotline's startGroups: operators (admins start anything)
# who sees each case: the groups that had a task on it (operators registered and dispatched both, the unit
# holds "own"), and the overseers (supervisors, auditors, admins)
SEE = {"own": {"operator", "unit", "supervisor", "auditor", "admin"}, "other": {"operator", "supervisor", "auditor",
                                                                                 "admin"}}
WRITE = {v: roles - {"auditor"} for v, roles in SEE.items()}       # comments and files: auditors only read
TASK_READ = {"own": {"unit", "supervisor", "auditor", "admin"}, "other": {"supervisor", "auditor", "admin"}}
WORK = {"own": {"unit"}, "other": set()}                           # the members of the task's group
PASS_ON = {v: roles | ADMIN for v, roles in WORK.items()}          # hand over, return: the group, or an admin


TABLE = {  # "METHOD rule": roles that get through (a set, or per case {"own": ..., "other": ...}); others 403
    "GET /": STAFF,
    "GET /admin/accounts/": ADMIN,
    "POST /admin/accounts/<name>/unlock": ADMIN,
    "POST /admin/accounts/tokens/revoke": ADMIN,
    "GET /admin/calendar": ADMIN,
    "POST /admin/calendar": ADMIN,
    "POST /admin/calendar/import": ADMIN,
    "POST /admin/cases/<instance_id>/cancel": ADMIN,
    "POST /admin/cases/<instance_id>/retry": ADMIN,
    "POST /admin/cases/<instance_id>/move": ADMIN,
    "GET /admin/directory": ADMIN,
    "GET /admin/directory/units/<unit>": ADMIN,
    "POST /admin/directory/members": ADMIN,
    "POST /admin/directory/members/remove": ADMIN,
    "POST /admin/directory/units": ADMIN,
    "POST /admin/directory/users": ADMIN,
    "POST /admin/directory/users/active": ADMIN,
    "GET /admin/orphans": ADMIN,
    "GET /admin/rota": ROTA,
    "POST /admin/rota": ROTA,
    "POST /admin/rota/<int:entry_id>/delete": ROTA,
    "POST /admin/rota/import": ROTA,
    "POST /admin/rota/plan": ROTA,
    "POST /admin/orphans/<task_id>": ADMIN,
    "GET /api/v1/bulletins": FIGURES,
    "GET /api/v1/bulletins/<no>": FIGURES,
    "GET /api/v1/instances": STAFF,
    "GET /api/v1/instances/<instance_id>": SEE,
    "GET /api/v1/instances/<instance_id>/attachments": SEE,
    "POST /api/v1/instances/<instance_id>/attachments": WRITE,
    "GET /api/v1/instances/<instance_id>/attachments/<attachment_id>": SEE,
    "POST /api/v1/instances/<instance_id>/cancel": ADMIN,      # the starter too, but only before the first step
    "GET /api/v1/instances/<instance_id>/comments": SEE,
    "POST /api/v1/instances/<instance_id>/comments": WRITE,
    "GET /api/v1/instances/<instance_id>/diagram-state": SEE,
    "GET /api/v1/instances/<instance_id>/export.xlsx": AUDIT,
    "GET /api/v1/instances/<instance_id>/history": SEE,
    "GET /api/v1/instances/<instance_id>/letters": SEE,
    "POST /api/v1/instances/<instance_id>/replay": AUDIT,
    "GET /api/v1/notifications": STAFF,
    "GET /api/v1/processes": STAFF,
    "GET /api/v1/processes/<key>/bpmn": STAFF,
    "POST /api/v1/processes/<key>/instances": STARTERS,
    "POST /api/v1/processes/<key>/versions": DESIGN,
    "GET /api/v1/stats": FIGURES,
    "GET /api/v1/tasks": STAFF,
    "GET /api/v1/tasks/<task_id>": TASK_READ,
    "POST /api/v1/tasks/<task_id>/claim": WORK,
    "POST /api/v1/tasks/<task_id>/complete": WORK,
    "POST /api/v1/tasks/<task_id>/handover": PASS_ON,
    "POST /api/v1/tasks/<task_id>/release": {"own": {"unit", "admin"}, "other": ADMIN},   # the holder; take-back
    "POST /api/v1/tasks/<task_id>/return": PASS_ON,
    "GET /api/v1/units": ADMIN,
    "GET /api/v1/users": ADMIN,
    "GET /audit/": AUDIT,
    "GET /audit/cases/<instance_id>": AUDIT,
    "GET /audit/cases/<instance_id>/export.xlsx": AUDIT,
    "GET /audit/cases/<instance_id>/print": AUDIT,
    "GET /audit/cases/<instance_id>/replay.json": AUDIT,
    "POST /audit/cases/<instance_id>/reveal": AUDIT,
    "GET /audit/export.xlsx": AUDIT,
    "GET /audit/log": ADMIN,
    "GET /designer/": DESIGN,
    "POST /designer/<key>/check": DESIGN,
    "POST /designer/<key>/deploy": DESIGN,
    "GET /designer/<key>/diff": DESIGN_LOG,
    "GET /designer/<key>/dryrun": DESIGN,
    "POST /designer/<key>/dryrun": DESIGN,
    "POST /designer/<key>/dryrun.json": DESIGN,
    "GET /designer/<key>/edit": DESIGN,
    "GET /designer/<key>/files": DESIGN,
    "GET /designer/<key>/files/<path:name>": DESIGN,
    "GET /designer/<key>/impact": DESIGN,
    "GET /designer/<key>/log": DESIGN_LOG,
    "POST /designer/<key>/migrate": DESIGN,
    "POST /designer/<key>/rollback": DESIGN,
    "POST /designer/<key>/versions": DESIGN,
    "GET /designer/<key>/versions/<int:version>/bpmn": DESIGN_LOG,
    "GET /designer/<key>/versions/<int:version>/files/<path:name>": DESIGN_LOG,
    "POST /designer/form-preview": DESIGN,
    "GET /designer/groups": DESIGN,
    "GET /designer/log": DESIGN_LOG,
    "GET /designer/new": DESIGN,
    "POST /designer/timer-preview": DESIGN,
    "GET /instances": STAFF,
    "GET /instances/<instance_id>": SEE,
    "GET /instances/<instance_id>/letters/<kind>": SEE,
    "POST /instances/<instance_id>/attachments": WRITE,
    "GET /instances/<instance_id>/attachments/<attachment_id>": SEE,
    "POST /instances/<instance_id>/cancel": ADMIN,
    "POST /instances/<instance_id>/comments": WRITE,
    "GET /instances/<instance_id>/diagram.json": SEE,
    "GET /instances/<instance_id>/diagram.xml": SEE,
    "POST /instances/<instance_id>/replay": AUDIT,
    "POST /logout": STAFF,
    "GET /notifications": STAFF,
    "GET /notifications/count": STAFF,
    "GET /start": STAFF,
    "GET /start/<key>": STARTERS,
    "POST /start/<key>": STARTERS,
    "GET /stats": FIGURES,
    "GET /stats/assessment": FIGURES,
    "GET /stats/bulletins": FIGURES,
    "POST /stats/bulletins": {"reviewer", "petition_bureau", "admin"},   # weekly 诉求动态: who may issue it
    "GET /stats/bulletins/<no>": FIGURES,
    "GET /stats/bulletins/<no>.xlsx": FIGURES,
    "GET /stats/cases": FIGURES,
    "GET /tasks/<task_id>": TASK_READ,
    "POST /tasks/<task_id>": WORK,
    "POST /tasks/<task_id>/claim": WORK,
    "POST /tasks/<task_id>/handover": PASS_ON,
    "POST /tasks/<task_id>/release": {"own": {"unit", "admin"}, "other": ADMIN},
    "POST /tasks/<task_id>/return": PASS_ON,
}
LISTED = {  # list endpoints: which of the two cases each role finds there (roles not named: neither)
    "GET /": {"unit": {"own"}},                              # the inbox: work of the user's groups
    "GET /api/v1/tasks": {"unit": {"own"}},
    "GET /instances": {r: {v for v in SEE if r in SEE[v]} for r in STAFF},
    "GET /api/v1/instances": {r: {v for v in SEE if r in SEE[v]} for r in STAFF},
    "GET /audit/": {r: {"own", "other"} for r in AUDIT},
    "GET /stats/cases": {**{r: {"own", "other"} for r in FIGURES - {"unit", "other_unit"}}, "unit": {"own"}},
    # filters that name the other unit's case (ids from the world) find it only for those who may see it
    "GET /api/v1/instances?unit=人社局": {r: {"other"} for r in SEE["other"]},
    "GET /api/v1/instances?q={other_no}": {r: {"other"} for r in SEE["other"]},
    "GET /api/v1/tasks?instance={other_id}": {},
    "GET /stats/cases?figure=cases&dim=unit&value=人社局": {r: {"other"} for r in FIGURES - {"unit", "other_unit"}},
    "GET /notifications": {"operator": {"own", "other"}, "unit": {"own"}},      # new tasks of the user's groups
    "GET /api/v1/notifications": {"operator": {"own", "other"}, "unit": {"own"}},

}


def expected(method, rule, role, variant) -> str:
    allowed = TABLE[f"{method} {rule}"]
    allowed = allowed[variant] if isinstance(allowed, dict) else allowed
    if role in allowed:
        return "ok"
    return "login" if role == "anonymous" else "403"


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def matrix(request, tmp_path_factory):
    clock = FixedClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=CHINA))
    store = MemoryStore() if request.param == "memory" else sqlite_store(tmp_path_factory.mktemp("matrix") / "base.db")
    world = build_world(clock, store)
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test", "API_RATE_PER_ACCOUNT": 0,
                      "API_RATE_PER_ADDRESS": 0}, service=world.service())
    yield app, world, sessions(app)
    world.close()


@pytest.fixture(scope="module")
def routes(matrix):
    app, _world, _clients = matrix
    return [(m, r) for m, r in endpoints(app) if r not in PUBLIC]


def test_every_route_has_a_row_in_the_table_and_no_row_is_stale(routes):
    served = {f"{m} {r}" for m, r in routes}
    assert sorted(served - set(TABLE)) == [], "routes without a row in TABLE"
    assert sorted(set(TABLE) - served) == [], "rows in TABLE for routes that no longer exist"


def test_every_role_gets_what_the_table_says_on_every_endpoint(matrix, routes):
    app, world, clients = matrix
    wrong = []
    for method, rule in routes:
        for variant in ("own", "other") if case_bound(rule) else (None,):
            for role in ROLES:
                response = send(app, world, clients, method, rule, role, variant)
                got = classify(response, rule.startswith("/api/"))
                want = expected(method, rule, role, variant)
                if got != want:
                    wrong.append(f"{method} {rule} [{variant or '-'}] {role}: got {got} "
                                 f"({response.status_code}), table says {want}")
    assert wrong == [], "\n".join(wrong)


def test_lists_show_each_role_only_the_cases_it_may_see(matrix):
    app, world, clients = matrix
    wrong = []
    for key, seen in LISTED.items():
        method, rule = key.format(other_no=world.cases["other"]["case_no"],
                                  other_id=world.cases["other"]["instance_id"]).split(" ", 1)
        for role in STAFF:
            body = send(app, world, clients, method, rule, role, None).get_data(as_text=True)
            found = {v for v, c in world.cases.items()
                     if any(c[k] in body for k in ("instance_id", "task_id", "case_no"))}
            if found != seen.get(role, set()):
                wrong.append(f"{key} {role}: lists {sorted(found)}, table says {sorted(seen.get(role, set()))}")
    assert wrong == [], "\n".join(wrong)


def test_tokens_do_not_open_pages_and_sessions_do_not_open_the_api(matrix):
    app, world, clients = matrix
    app.extensions["service"] = world.service()
    admin_token = {"Authorization": f"Bearer {world.tokens['admin']}"}
    for page in ("/", "/admin/directory", "/audit/", f"/instances/{world.cases['own']['instance_id']}"):
        assert classify(clients["anonymous"].get(page, headers=admin_token), api=False) == "login", page
    for path in ("/api/v1/tasks", "/api/v1/users", f"/api/v1/instances/{world.cases['own']['instance_id']}"):
        assert clients["admin"].get(path).status_code == 401, path


def test_public_endpoints_answer_everyone(matrix):
    app, world, clients = matrix
    app.extensions["service"] = world.service()
    for role in ROLES:
        client = clients[role]
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/v1/openapi.json").status_code == 200
        assert client.get("/static/app.css").status_code == 200


OFF_SITE = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "/\t/evil.example/"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_form_redirect_targets_stay_on_this_site(matrix, target):
    app, world, clients = matrix
    iid = world.cases["own"]["instance_id"]
    for client, path, form in (
            (clients["auditor"], f"/audit/cases/{iid}/reveal", {"reason": "核查来电人", "next": target}),
            (clients["unit"], f"/instances/{iid}/comments", {"text": "已联系", "back": target})):
        app.extensions["service"] = world.service()
        response = client.post(path, data=form)
        assert response.status_code == 302 and response.headers["Location"].startswith("/"), path
        assert not response.headers["Location"].startswith(("//", "/\\")), response.headers["Location"]
