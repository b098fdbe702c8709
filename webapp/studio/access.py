"""Who may use the studio: designers (and admins); the deployment log is also open to auditors."""
from __future__ import annotations

from functools import wraps

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..common import actor, requires
from ..errors import json_error

designers_only = requires(lambda who: who.is_designer, _l("仅流程设计人员可用"))
log_readers = requires(lambda who: who.is_designer or "auditors" in who.groups, _l("仅流程设计人员和审计人员可用"))


def designers_json(view):
    """For the studio script: JSON errors (401/403), never a login page or an HTML error."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return json_error(401, "unauthorized", _("请先登录"))
        if not actor().is_designer:
            return json_error(403, "forbidden", _("仅流程设计人员可用"))
        return view(*args, **kwargs)
    return wrapper
