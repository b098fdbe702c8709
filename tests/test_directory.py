"""The organisation directory: who can be chosen, routing to directory units in every procedure, the refusal to
leave open work with nobody, the admin pages and the CLI."""
from __future__ import annotations

import pytest

from engine.access import Actor
from engine.accounts.users import create_user
from engine.directory import DirectoryError, LastMember, Unit, group_names
from tests.conftest import login
from tests.test_hotline import DISPATCH, OP, REGISTER
from tests.walk import do, ready, service_with

ADMIN = Actor.of("admin", ["admins"])


def test_choices_are_staffed_units_of_the_allowed_types():
    service = service_with("hotline")
    service.store.put_unit(Unit("空壳局", "department"))
    names = [u.name for u in service.directory.choosable(["department", "township"])]
    assert "住建局" in names and "兰江街道" in names and "空壳局" not in names and "供电公司" not in names
    assert "dept:空壳局" in group_names(service.store) and "reviewers" in group_names(service.store)


@pytest.mark.parametrize("process, field", [
    ("hotline", "lead_unit"), ("petition_case", "lead_unit"), ("petition_supervision", "target_units"),
    ("reception_case", "lead_unit")])
def test_every_procedure_picks_its_units_from_the_directory(process, field):
    service = service_with(process)
    service.store.put_unit(Unit("新设局", "department"))
    forms = [info.form for info in service.compiled(service.current(process)[0].bundle_hash).user_tasks.values()
             if field in info.form.properties]
    assert forms, f"{process}: no form with {field}"
    for form in forms:
        prop = service.form_of(form).properties[field]
        offered = [c["const"] for c in (prop.get("items") or prop)["oneOf"]]
        assert "住建局" in offered and "游埠镇" in offered and "新设局" not in offered
    service.directory.add_member("新设局", "dept3")
    prop = service.form_of(forms[0]).properties[field]
    assert "新设局" in [c["const"] for c in (prop.get("items") or prop)["oneOf"]]


def test_a_ticket_dispatched_to_a_township_reaches_its_member():
    service = service_with("hotline")
    rec = service.start("hotline", {}, OP)
    do(service, rec.id, "register", OP, REGISTER)
    do(service, rec.id, "dispatch", OP, {**DISPATCH, "lead_unit": "兰江街道"})
    accept = ready(service, rec.id)["accept"]
    assert accept.groups == ["dept:兰江街道"]
    town1 = service.store.get_user("town1")
    assert accept.task_id in {t.task_id for t in service.inbox(Actor.of("town1", town1.groups))}


def test_the_last_member_of_a_unit_with_open_tasks_cannot_leave():
    service = service_with("hotline")
    rec = service.start("hotline", {}, OP)
    do(service, rec.id, "register", OP, REGISTER)
    do(service, rec.id, "dispatch", OP, {**DISPATCH, "lead_unit": "人社局"})
    with pytest.raises(LastMember) as exc:
        service.directory.set_user_active("dept2", False)
    assert [t.bpmn_id for t in exc.value.tasks] == ["accept"]
    with pytest.raises(LastMember):
        service.directory.remove_member("人社局", "dept2")
    service.directory.add_member("人社局", "dept3")            # a second member: now dept2 may go
    service.directory.remove_member("人社局", "dept2")
    assert "dept:人社局" not in service.store.get_user("dept2").groups
    service.directory.remove_member("人社局", "dept3", force=True)   # an admin forcing it leaves an orphan
    assert [t.bpmn_id for t in service.directory.orphan_tasks()] == ["accept"]
    task = service.directory.orphan_tasks()[0].task_id
    service.reassign(task, ADMIN, "人社局无人", to_unit="住建局")
    assert service.directory.orphan_tasks() == [] and service.store.get_task(task).groups == ["dept:住建局"]


def test_admin_directory_pages(app):
    client = app.test_client()
    login(client, "dept1")
    assert client.get("/admin/directory").status_code == 403
    client.post("/logout")
    login(client, "admin")
    page = client.get("/admin/directory").get_data(as_text=True)
    assert "兰江街道" in page and "效能办" in page and "负责人" in page
    client.post("/admin/directory/units", data={"name": "新区管委会", "type": "county"})
    client.post("/admin/directory/users", data={"name": "xq1", "password": "secret1", "unit": "新区管委会",
                                                "display_name": "新区 xq1", "role": "head"})
    service = app.extensions["service"]
    assert service.store.get_user("xq1").groups == ["dept:新区管委会"]
    assert service.directory.is_head("xq1", ["dept:新区管委会"])
    rec = service.start("hotline", {}, OP)
    do(service, rec.id, "register", OP, REGISTER)
    do(service, rec.id, "dispatch", OP, {**DISPATCH, "lead_unit": "人社局"})
    refused = client.post("/admin/directory/users/active", data={"user": "dept2", "active": "false"})
    assert refused.status_code == 409 and "只剩这一名在岗人员" in refused.get_data(as_text=True)
    assert rec.title.split()[0] in refused.get_data(as_text=True)
    assert service.store.get_user("dept2").active
    assert "没有无人办理的待办" in client.get("/admin/orphans").get_data(as_text=True)


def test_directory_cli(app):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["directory", "add-unit", "白沙街道", "--type", "township"]).output
    assert "dept:白沙街道" in out
    assert runner.invoke(args=["directory", "add-member", "白沙街道", "town1", "--role", "liaison"]).exit_code == 0
    assert "白沙街道\ttownship" in runner.invoke(args=["directory", "list"]).output
    service = app.extensions["service"]
    rec = service.start("hotline", {}, OP)
    do(service, rec.id, "register", OP, REGISTER)
    do(service, rec.id, "dispatch", OP, {**DISPATCH, "lead_unit": "人社局"})
    refused = runner.invoke(args=["users", "deactivate", "dept2"])
    assert refused.exit_code == 1 and "open tasks" in refused.output
    assert runner.invoke(args=["users", "deactivate", "dept10"]).exit_code == 0


def test_a_head_group_resolves_to_the_heads_then_the_parent_head_then_the_leaders():
    service = service_with()
    resolve = service.directory.resolve_groups
    assert resolve(["head:住建局"]) == ["user:head1"]                              # the seeded 住建局负责人
    assert resolve(["petition_bureau"]) == ["petition_bureau"]                   # other groups are kept
    service.store.put_unit(Unit("住建局房管科", "department", "住建局"))
    assert resolve(["head:住建局房管科"]) == ["user:head1"]                         # no head: the parent's head
    service.directory.add_member("住建局房管科", "dept3", "head")
    assert resolve(["head:住建局房管科"]) == ["user:dept3"]
    service.directory.set_user_active("head1", False)
    assert resolve(["head:住建局"]) == ["leaders"]                                # no active head: the leaders
    assert resolve(["head:没有这个单位"]) == ["leaders"]
    service.directory.set_user_active("leader1", False)
    assert resolve(["head:住建局"]) == ["admins"]                                 # never a group nobody is in
    assert "user:dept3" in service.directory.staffed_groups()                    # personal groups are staffed


def test_personal_and_head_groups_pass_the_designer_checks():
    from engine.design.expressions import string_constants
    from engine.design.groups import is_known_group
    assert string_constants('"head:" + lead_unit') == [] and string_constants('"user:" + supervisor') == []
    assert string_constants('"boss:" + lead_unit') is None
    assert is_known_group("user:sup1") and is_known_group("head:住建局")
    assert not is_known_group("user:") and not is_known_group("boss:住建局")


def test_a_large_unit_lists_its_first_members_and_pages_the_rest(app):
    """The directory page shows a few members per unit and links to the unit's own page, which pages them."""
    from engine.accounts.users import create_user
    service = app.extensions["service"]
    for i in range(62):
        create_user(service.store, f"zj{i:02d}", "a-long-password", groups=["dept:住建局"], display_name=f"住建{i:02d}")
    client = app.test_client()
    login(client, "admin")
    page = client.get("/admin/directory").get_data(as_text=True)
    row = page[page.index("<td>住建局</td>"):].split("</tr>")[0]
    assert row.count("移出</button>") == 10 and "全部 64 人" in row        # the demo's two and the 62 new ones
    first = client.get("/admin/directory/units/住建局?limit=50").get_data(as_text=True)
    assert "共 64 人" in first and first.count("移出</button>") == 50 and 'id="members-next"' in first
    next_url = first.split('id="members-next" href="')[1].split('"')[0].replace("&amp;", "&")
    rest = client.get(next_url).get_data(as_text=True)
    assert rest.count("移出</button>") == 14 and 'id="members-next"' not in rest and "zj61" in rest
    assert client.get("/admin/directory/units/没有这个单位").status_code == 404
    assert client.get("/admin/directory/units/住建局?cursor=bad").status_code == 400


def test_a_new_user_under_a_taken_name_is_refused_and_the_account_is_left_alone(app):
    """Found by a tester: creating `dept1` again replaced its password and moved it out of its unit."""
    client = app.test_client()
    login(client, "admin")
    service = app.extensions["service"]
    before = service.store.get_user("dept1")
    page = client.post("/admin/directory/users", data={"name": "dept1", "password": "other-password",
                                                       "unit": "城管执法局"}, follow_redirects=True)
    assert "用户名已存在：dept1" in page.get_data(as_text=True)
    after = service.store.get_user("dept1")
    assert (after.password_hash, after.groups) == (before.password_hash, before.groups)
    client.post("/logout")
    assert login(client, "dept1").status_code == 302            # still the old password
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["users", "create", "dept1", "--group", "x", "--password", "pw-12345"])
    assert refused.exit_code == 1 and "already exists" in refused.output
    assert service.store.get_user("dept1").groups == before.groups
    too_long = runner.invoke(args=["users", "create", "u" * 101, "--group", "x", "--password", "pw-12345"])
    assert too_long.exit_code == 1 and service.store.get_user("u" * 101) is None


def test_an_admin_cannot_deactivate_themself_nor_the_last_active_admin(app):
    client = app.test_client()
    login(client, "admin")
    service = app.extensions["service"]
    page = client.post("/admin/directory/users/active", data={"user": "admin", "active": "false"},
                       follow_redirects=True)
    assert "不能停用自己的账号" in page.get_data(as_text=True) and service.store.get_user("admin").active
    with pytest.raises(DirectoryError):                        # the only admin, whoever asks
        service.directory.set_user_active("admin", False)
    assert service.store.get_user("admin").active
    create_user(service.store, "admin2", "a-long-password", ["admins"])
    service.directory.set_user_active("admin", False)             # another admin remains
    assert not service.store.get_user("admin").active
