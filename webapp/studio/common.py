"""Shared by the studio views: reading the files a designer sends, problems in the reader's language."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from engine.design.problems import localized, summary
from engine.service import InvalidData

from ..common import get_locale_code
from ..errors import json_error

MAX_COMMENT = 2000


def files_from_json(body) -> dict[str, str]:
    files = body.get("files") if isinstance(body, dict) else None
    if not isinstance(files, dict) or not files or not all(isinstance(k, str) and isinstance(v, str)
                                                            for k, v in files.items()):
        raise InvalidData({"files": _("请发送 {\"files\": {文件名: 文本}}")})
    return files


def files_from_uploads(uploads) -> dict[str, str]:
    try:
        return {f.filename: f.read().decode("utf-8") for f in uploads if f.filename}
    except UnicodeDecodeError:
        raise InvalidData({"files": _("文件须为 UTF-8 编码的文本")}) from None


def change_comment(value) -> str:
    comment = (value or "").strip() if isinstance(value, str) else ""
    if not comment:
        raise InvalidData({"comment": _("请填写变更说明：改了什么、为什么改")})
    return comment[:MAX_COMMENT]


def problems_json(exc, status=422):
    lang = get_locale_code()
    return json_error(status, "invalid_process", summary(exc.problems, lang), problems=localized(exc.problems, lang))


def invalid_json(exc):
    return json_error(422, "invalid", _("请修改标出的内容"), fields=exc.fields)


def lang() -> str:
    return get_locale_code()


def wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"
