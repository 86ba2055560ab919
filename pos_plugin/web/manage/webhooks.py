"""/manage/webhooks: the receivers of signed events, their latest deliveries and answers.

Adding one shows its signing secret on the page that answers the form, once;
the rules live in `pos_plugin.webhooks.endpoints`.
"""

from __future__ import annotations

from flask import flash, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pos_plugin.web.manage.blueprint import attempt, back, bp, clock, manager, manager_page, page
from pos_plugin.web.manage.forms import WebhookForm
from pos_plugin.webhooks import endpoints


def _render(
    form: WebhookForm | None = None, status: int = 200, secret: str | None = None
) -> ResponseReturnValue:
    html = page(
        "webhooks.html",
        reports=endpoints.endpoint_reports(manager()),
        form=form or WebhookForm(formdata=None),
        secret=secret,
    )
    return html, status


@bp.get("/webhooks")
@manager_page
def webhooks_page() -> ResponseReturnValue:
    return _render()


@bp.post("/webhooks")
@manager_page
def add_webhook() -> ResponseReturnValue:
    form = WebhookForm()
    if form.validate():
        made = attempt(
            form,
            lambda: endpoints.add_endpoint(
                manager(), form.url.data or "", list(form.events.data or []), clock()
            ),
        )
        if made is not None:
            endpoint, secret = made
            flash(_("Webhook %(id)s added: %(url)s.", id=endpoint.id, url=endpoint.url), "ok")
            # Shown here, in this answer only: a redirect would have to carry it in a cookie.
            return _render(secret=secret)
    return _render(form, status=422)


@bp.post("/webhooks/<int:endpoint_id>/remove")
@manager_page
def remove_webhook(endpoint_id: int) -> ResponseReturnValue:
    done = attempt(None, lambda: endpoints.remove_endpoint(manager(), endpoint_id, clock()))
    if done is not None:
        flash(_("Nothing more is sent to %(url)s.", url=done.url), "ok")
    return back(url_for("manage.webhooks_page"))
