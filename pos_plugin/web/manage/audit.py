"""/manage/audit: the audit log, filtered by action, entity, who and dates, and paged."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional

from pos_plugin.labels import action_name, entity_name
from pos_plugin.models import AuditEvent
from pos_plugin.services import audit
from pos_plugin.services.audit import AuditFilter
from pos_plugin.services.errors import InvalidInput
from pos_plugin.services.paging import Page
from pos_plugin.services.store import get_store
from pos_plugin.web.manage.blueprint import bp, manager, manager_page, page, show_refusal
from pos_plugin.web.manage.forms import options

LOG_PAGE = 50


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it only reads

    action = SelectField(_l("Action"), choices=options([("", _l("any"))]), validators=[Optional()])
    entity = SelectField(_l("Entity"), choices=options([("", _l("any"))]), validators=[Optional()])
    who = StringField(_l("Who"), validators=[Optional()])
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])


@bp.get("/audit")
@manager_page
def audit_page() -> ResponseReturnValue:
    actor = manager()
    form = AuditFilterForm(request.args)
    actions, entities = audit.choices(actor)
    form.action.choices = options([("", _("any")), *((a, action_name(a)) for a in actions)])
    form.entity.choices = options([("", _("any")), *((e, entity_name(e)) for e in entities)])
    found: Page[AuditEvent] | None = None
    if form.validate():
        where = AuditFilter(
            action=form.action.data or None,
            entity=form.entity.data or None,
            who=(form.who.data or "").strip() or None,
            start=form.start.data,
            end=form.end.data,
        )
        offset = request.args.get("offset", 0, type=int)
        try:
            found = audit.search(actor, get_store(), where, offset=offset, limit=LOG_PAGE)
        except InvalidInput as error:
            show_refusal(form, error)
    return page("audit.html", form=form, events=found), 200 if found is not None else 422
