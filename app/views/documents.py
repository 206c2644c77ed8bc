"""Downloads of an application's documents (photo, training certificate, 申请审核表 PDF) and the public QR check page."""

from __future__ import annotations

from flask import Response, abort
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app.documents.service import (
    application_certificate,
    application_form_pdf,
    application_photo,
    visible_application,
)
from app.documents.verification import verify_token
from app.extensions import db
from app.security.scope import current_scope

PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


class ApplicationDocumentView(BaseView):
    """The photo and the printable form, for the physician, the institution and the reviewers in scope."""

    route_base = "/applications"
    # One permission for both files; the row check (404 outside the reader's scope) is per request.
    method_permission_name = {"form_pdf": "download", "photo": "download", "training_certificate": "download"}

    def _application(self, pk: int):
        application = visible_application(db.session, pk, current_scope())
        if application is None:
            abort(404)
        return application

    @expose("/<int:pk>/form.pdf")
    @has_access
    def form_pdf(self, pk: int):
        """Send the 申请审核表 of one application as a PDF."""
        application = self._application(pk)
        body = application_form_pdf(db.session, application, current_scope())
        filename = f"{application.number}.pdf"
        headers = {**PRIVATE, "Content-Disposition": f'inline; filename="{filename}"'}
        return Response(body, mimetype="application/pdf", headers=headers)

    @expose("/<int:pk>/photo")
    @has_access
    def photo(self, pk: int):
        """Send the photo of one application (stored outside static, never linked publicly)."""
        body = application_photo(self._application(pk))
        if body is None:
            abort(404)
        return Response(body, mimetype="image/jpeg", headers=PRIVATE)

    @expose("/<int:pk>/training-certificate")
    @has_access
    def training_certificate(self, pk: int):
        """Send the uploaded training certificate of one application (as a download, never run inline)."""
        application = self._application(pk)
        found = application_certificate(application)
        if found is None:
            abort(404)
        body, mimetype = found
        filename = f"{application.number}-training.{'pdf' if mimetype == 'application/pdf' else 'jpg'}"
        headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"',
                   "Content-Security-Policy": "sandbox"}
        return Response(body, mimetype=mimetype, headers=headers)


class VerificationView(BaseView):
    """The public page a form's QR code opens: number, type, status and masked name, nothing more."""

    route_base = "/verify"
    default_view = "verify"

    @expose("/<token>")
    def verify(self, token: str):
        """Show what a genuine token names; any other token is not found."""
        found = verify_token(db.session, token)
        if found is None:
            abort(404)
        page = self.render_template("documents/verify.html", found=found, title=_("Application check"))
        return page, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
