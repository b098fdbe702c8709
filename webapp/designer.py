"""Process designers: see deployed versions, download files, upload changed files as a new version."""
from __future__ import annotations


from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.library import InvalidProcess
from engine.service import NotFound

from .common import actor, requires, service

bp = Blueprint("designer", __name__, url_prefix="/designer")
MAX_FILES = 50


designers_only = requires(lambda who: who.is_designer, _l("仅流程设计人员可用"))


@bp.route("/")
@designers_only
def index():
    versions = service().store.deployments()
    return render_template("designer.html", latest=service().latest(), versions=versions, problems=[])


@bp.route("/<key>/files/<name>")
@designers_only
def download(key, name):
    try:
        files = service().current(key)[1].bundle.files
    except NotFound:
        abort(404, _("没有这个流程"))
    if name not in files:
        abort(404, _("没有这个文件"))
    mimetype = "application/json" if name.endswith(".json") else "application/xml"
    return Response(files[name], mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/<key>/versions", methods=["POST"])
@designers_only
def deploy(key):
    uploads = [f for f in request.files.getlist("files") if f.filename][:MAX_FILES]
    if not uploads:
        flash(_("请选择要上传的文件（BPMN、DMN 或表单 JSON）"), "error")
        return redirect(url_for("designer.index"))
    try:
        files = {f.filename: f.read().decode("utf-8") for f in uploads}
        dep = service().deploy_files(key, files, actor().name)
    except UnicodeDecodeError:
        flash(_("文件须为 UTF-8 编码的文本"), "error")
        return redirect(url_for("designer.index"))
    except InvalidProcess as exc:
        flash(_("未部署：发现 %(n)s 个问题，正在运行的案件不受影响。", n=len(exc.problems)), "error")
        return render_template("designer.html", latest=service().latest(), versions=service().store.deployments(),
                               problems=exc.problems, failed_key=key), 422
    flash(_("已部署 %(key)s 第 %(version)s 版；已在办的案件继续按原版本办理。", key=dep.process_key, version=dep.version), "ok")
    return redirect(url_for("designer.index"))
