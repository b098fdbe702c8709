"""Cases: start a new one, list them, and one case's page with its status and history."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine.audit.search import BadQuery, parse_query
from engine.forms import defaults
from engine.clock import CHINA
from engine.letters import issued, letters
from engine.service import InvalidData, NotAllowed, NotFound, ProcessError
from engine.tasks import mask

from .audit import audit
from .audit.casepage import case_context, case_view_or_abort
from .audit.words import divergence_words
from .common import actor, get_locale_code, service
from .confirm import next_step
from .uploads import split_files

bp = Blueprint("cases", __name__)


@bp.route("/start")
@login_required
def start_page():
    startable = [dep for dep, can in service().processes(actor()) if can]
    return render_template("start.html", processes=startable)


def _first_form(key):
    try:
        return service().start_form(key, actor())
    except NotFound:
        abort(404, _("没有这个流程"))
    except NotAllowed:
        abort(403, _("您不能发起这个流程"))


@bp.route("/start/<key>")
@login_required
def start_form(key):
    """The first form of a new case; nothing is stored until it is submitted."""
    first = _first_form(key)
    if first is None:
        return render_template("start_confirm.html", key=key)
    title, form, values = first
    return render_template("start_form.html", key=key, title=title, form=form, values={**defaults(form), **values},
                           errors={}, lang=get_locale_code())


@bp.route("/start/<key>", methods=["POST"])
@login_required
def start(key):
    first = _first_form(key)
    if first is not None:
        return _start_with_form(key, *first)
    try:
        rec = service().start(key, {}, actor())
    except NotFound:
        abort(404, _("没有这个流程"))
    except NotAllowed:
        abort(403, _("您不能发起这个流程"))
    except (InvalidData, ProcessError) as exc:
        flash(_("无法发起：%(msg)s", msg=str(exc)), "error")
        return redirect(url_for("cases.start_page"))
    mine = [t for t in service().ready_tasks(rec.id) if actor().groups & set(t.groups)]
    if mine:
        return redirect(url_for("inbox.task", task_id=mine[0].task_id))
    return redirect(url_for("cases.instance", instance_id=rec.id))


@bp.route("/instances")
@login_required
def instances():
    """The cases this user may see, newest first, a page at a time (the audit search's query and cursor)."""
    try:
        query = parse_query(request.args, service().now(), CHINA)
    except BadQuery as exc:
        abort(400, str(exc))
    rows, cursor = audit().search(actor(), query)
    next_url = cursor and url_for("cases.instances", **{**request.args.to_dict(), "cursor": cursor})
    return render_template("instances.html", instances=rows, process=query.process, status=query.status,
                           next_url=next_url)


@bp.route("/instances/<instance_id>")
@login_required
def instance(instance_id):
    view = case_view_or_abort(instance_id)      # access, masking (and reveals), chain check, access log
    compiled = service().compiled(view.rec.bundle_hash)
    return render_template("instance.html", rec=view.rec, tasks=service().ready_tasks(instance_id),
                           letters=_letters(view),
                           events=view.events, chain_ok=view.chain.ok, forms=compiled.forms,
                           data=mask(view.rec.data, view.hidden), hidden=view.hidden, links=service().links(view.rec),
                           task_names={k: t.name for k, t in compiled.user_tasks.items()},
                           fixed_versions=service().fixed_versions(view.rec) if view.rec.status == "error" else [],
                           **case_context(view))


def _letters(view) -> list[tuple[int, object, bool]]:
    """(seq of the step that issued it, letter, still current) for the letters the reader may see: the current
    ones and the earlier versions a redo or re-dispatch replaced (from the hash-chained record of each step)."""
    current = {x.kind: x for x in letters(view.rec.process_key, view.rec.data, service().directory)}
    return [(seq, x, x == current.get(x.kind)) for seq, x in issued(view.rec.process_key, view.events,
                                                                    service().directory)
            if not view.hidden.intersection(x.personal)]


@bp.route("/instances/<instance_id>/letters/<kind>")
@login_required
def letter(instance_id, kind):
    """A letter the case issued (to the petitioner or to units), laid out for printing (engine/letters.py); with
    `?seq=N` the version step N issued, as the hash-chained record holds it."""
    view = case_view_or_abort(instance_id, action="letter")
    versions = [(seq, x) for seq, x in issued(view.rec.process_key, view.events, service().directory) if x.kind == kind]
    seq = request.args.get("seq", type=int)
    chosen = next((v for v in versions if v[0] == seq), None) if seq else (versions[-1] if versions else None)
    if chosen is None:                    # a link to a letter not (or not at that step) issued: back to the case
        flash(_("这个案件还没有这份文书"), "error")
        return redirect(url_for("cases.instance", instance_id=instance_id))
    if view.hidden.intersection(chosen[1].personal):
        abort(403, _("文书中的个人信息对您保密，不能打印"))
    later = next((s for s, _x in versions if s > chosen[0]), None)
    return render_template("letter.html", rec=view.rec, letter=chosen[1], seq=chosen[0], replaced_at=later)


@bp.route("/instances/<instance_id>/replay", methods=["POST"])
@login_required
def replay(instance_id):
    try:
        matches, diverged_at = service().replay(instance_id, actor())
        steps, divergence = audit().recheck(instance_id, actor())       # the same check, in words; recorded
    except NotAllowed:
        abort(403, _("仅审计人员可以重放"))
    except NotFound:
        abort(404, _("没有这个案件"))
    if matches and divergence is None:
        flash(_("重放结果一致：按固定版本的流程和记录的输入重新执行，每一步结果都与记录相同。"), "ok")
    else:
        event = next((e for e in service().store.events(instance_id) if divergence and e.seq == divergence.seq), None)
        names = {k: t.name for k, t in service().compiled(service().store.get_instance(instance_id).bundle_hash)
                 .user_tasks.items()}
        flash(divergence_words(divergence, event, names) if divergence else
              _("重放结果不一致：第 %(seq)s 步与记录不同。", seq=diverged_at), "error")
    return redirect(url_for("cases.instance", instance_id=instance_id))


def _start_with_form(key, title, form, _values=None):
    try:
        posted, uploads = split_files(form, request.form, request.files)
        rec = service().start_with_form(key, posted, actor(), form_post=True, lang=get_locale_code(), uploads=uploads)
    except InvalidData as exc:
        flash(_("请修改标红的字段后再提交"), "error")
        from engine.forms import coerce
        return render_template("start_form.html", key=key, title=title, form=form, values=coerce(form, posted),
                               errors=exc.fields, lang=get_locale_code()), 422
    except ProcessError as exc:
        flash(_("无法发起：%(msg)s", msg=str(exc)), "error")
        return redirect(url_for("cases.start_page"))
    message, target = next_step(rec, title)
    flash(message, "ok")
    return redirect(url_for("inbox.task", task_id=target) if target
                    else url_for("cases.instance", instance_id=rec.id))
