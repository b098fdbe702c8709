"""Studio pages: the process list, the modeler page, uploads, the deployment log, rollback, diff, downloads."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from engine.design import diff as diffs
from engine.design.newprocess import KEY
from engine.library import InvalidProcess
from engine.paging import split_page
from engine.service import InvalidData, NotFound

from ..common import actor, service
from ..paging import next_page_url, web_page_args
from . import bp
from .access import designers_only, log_readers
from .common import change_comment, files_from_uploads, lang
from .downloads import attachment

MAX_UPLOADS = 100


@bp.app_context_processor
def deployment_helpers():
    def deployment_of(rec):
        return next((d for d in service().store.deployments(rec.process_key) if d.version == rec.version), None)
    return {"deployment_of": deployment_of}


@bp.route("/")
@designers_only
def index():
    latest = service().latest()
    running = {key: service().store.running_summary(key) for key in latest}
    return render_template("studio/index.html", latest=latest, running=running)


@bp.route("/new")
@designers_only
def new():
    key, name = (request.args.get("key") or "").strip(), (request.args.get("name") or "").strip()
    if not KEY.match(key) or key in service().latest():
        flash(_("新流程的标识须为小写字母开头的字母、数字、下划线，且不能与已有流程重复"), "error")
        return redirect(url_for("designer.index"))
    return redirect(url_for("designer.edit", key=key, name=name or key))


@bp.route("/<key>/edit")
@designers_only
def edit(key):
    dep = service().latest().get(key)
    if dep is None and not KEY.match(key):
        abort(404, _("没有这个流程"))
    urls = {name: url_for(f"designer.{view}", key=key) for name, view in
            (("files", "files"), ("check", "check"), ("deploy", "deploy"), ("dryrun", "dryrun"),
             ("impact", "impact"), ("log", "log"))}
    urls["files"] += f"?name={request.args.get('name', '')}" if dep is None else ""
    return render_template("studio/edit.html", key=key, dep=dep, urls=urls, csrf=generate_csrf(),
                           groups_url=url_for("designer.groups"), timer_url=url_for("designer.timer_preview_view"),
                           form_url=url_for("designer.form_preview"))


@bp.route("/<key>/versions", methods=["POST"])
@designers_only
def upload(key):
    """Import files made elsewhere (Camunda Modeler, bpmn.io): checked, deployed with a comment."""
    uploads = [f for f in request.files.getlist("files") if f.filename][:MAX_UPLOADS]
    try:
        comment = change_comment(request.form.get("comment"))
        if not uploads:
            raise InvalidData({"files": _("请选择要上传的文件（BPMN、DMN 或表单 JSON）")})
        dep = service().deploy_files(key, files_from_uploads(uploads), actor().name, comment)
    except InvalidData as exc:
        for message in exc.fields.values():
            flash(message, "error")
        return redirect(url_for("designer.index"))
    except InvalidProcess as exc:
        flash(_("未部署：发现 %(n)s 个问题，正在运行的案件不受影响。", n=len(exc.problems)), "error")
        return render_template("studio/problems.html", key=key, problems=exc.problems, lang=lang()), 422
    flash(_("已部署 %(key)s 第 %(version)s 版；已在办的案件继续按原版本办理。", key=dep.process_key, version=dep.version), "ok")
    return redirect(url_for("designer.log", key=key))


@bp.route("/log")
@bp.route("/<key>/log")
@log_readers
def log(key=None):
    """Deployments by process, newest version first, a page at a time."""
    limit, after = web_page_args((str, int))
    deployments, cursor = split_page(service().store.deployment_log(key, after, limit + 1), limit,
                                     lambda d: (d.process_key, str(d.version)))
    if key and not deployments and after is None:
        abort(404, _("没有这个流程"))
    running = {k: service().store.running_summary(k) for k in {d.process_key for d in deployments}}
    return render_template("studio/log.html", key=key, deployments=deployments, running=running,
                           latest=service().latest(), can_deploy=actor().is_designer, next_url=next_page_url(cursor))


@bp.route("/<key>/rollback", methods=["POST"])
@designers_only
def rollback(key):
    try:
        version = int(request.form.get("version", ""))
        comment = change_comment(request.form.get("comment"))
        dep = service().rollback(key, version, actor().name, _("回滚到第 %(v)s 版：", v=version) + comment)
    except (ValueError, NotFound):
        abort(404, _("没有这个版本"))
    except InvalidData as exc:
        flash(exc.fields["comment"], "error")
        return redirect(url_for("designer.log", key=key))
    except InvalidProcess as exc:
        flash(exc.problems[0]["message_en" if lang() == "en" else "message"], "error")
        return redirect(url_for("designer.log", key=key))
    flash(_("已将第 %(old)s 版重新部署为第 %(new)s 版。", old=version, new=dep.version), "ok")
    return redirect(url_for("designer.log", key=key))


def _version_files(key, version):
    try:
        return service().version_files(key, int(version))
    except (ValueError, NotFound):
        abort(404, _("没有这个版本"))


@bp.route("/<key>/versions/<int:version>/files/<path:name>")
@log_readers
def version_file(key, version, name):
    files = _version_files(key, version)
    if name not in files:
        abort(404, _("没有这个文件"))
    return attachment(files[name], name)


@bp.route("/<key>/files/<path:name>")
@designers_only
def download(key, name):
    dep = service().latest().get(key) or abort(404, _("没有这个流程"))
    return version_file(key, dep.version, name)


@bp.route("/<key>/versions/<int:version>/bpmn")
@log_readers
def version_bpmn(key, version):
    files = _version_files(key, version)
    name = f"{key}.bpmn" if f"{key}.bpmn" in files else next(n for n in sorted(files) if n.endswith(".bpmn"))
    return attachment(files[name], f"{key}-v{version}.bpmn")


@bp.route("/<key>/diff")
@log_readers
def diff(key):
    newest = service().store.deployment_log(key, None, 1)         # versions run 1..newest
    if not newest:
        abort(404, _("没有这个流程"))
    b = request.args.get("b", type=int) or newest[0].version
    a = request.args.get("a", type=int) or max(b - 1, 1)
    left, right = _version_files(key, a), _version_files(key, b)
    main = f"{key}.bpmn"
    return render_template("studio/diff.html", key=key, a=a, b=b, newest=newest[0].version,
                           files=diffs.files_diff(left, right), tables=diffs.dmn_diff(left, right),
                           forms=diffs.form_diff(left, right), elements=diffs.bpmn_diff(left.get(main), right.get(main)),
                           left_url=url_for("designer.version_bpmn", key=key, version=a),
                           right_url=url_for("designer.version_bpmn", key=key, version=b))
