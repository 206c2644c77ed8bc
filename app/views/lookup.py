"""医师执业注册信息查询: the public lookup page (no login), and the institution names it suggests.

Thin: read the form, run ``app.lookup.service.lookup`` with the session captcha, show the result
cards or every refusal by its field. Empty or unknown terms answer 400, a spent quota 429 (with the
time to come back), no match a notice; nothing is ever written.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_appbuilder import BaseView, expose
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from app.accounts.captcha import check_captcha
from app.extensions import db
from app.lookup.errors import LookupRefusal
from app.lookup.search import institution_suggestions, is_province, provinces
from app.lookup.service import FIELDS, field_refusal, lookup, read_query

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


class LookupView(BaseView):
    """The public lookup: province + full name + institution + captcha; the exact matches only."""

    route_base = "/lookup"
    default_view = "index"

    @expose("/", methods=["GET", "POST"])
    def index(self):
        """Show the form; on POST check the terms, the quota and the captcha, then show the matches."""
        source = request.form if request.method == "POST" else request.args
        values = {field: str(source.get(field, ""))[:200] for field in FIELDS}
        results, errors, no_match, status = [], [], "", 200
        if request.method == "POST":
            query, errors = read_query(values, db.session)
            captcha = request.form.get("captcha", "")
            if not captcha.strip():
                errors.append(field_refusal("field_required", "captcha", label=_("Characters in the picture")))
            if not errors:
                try:
                    results = lookup(db.session, query, get_remote_address(), lambda: check_captcha(captcha))
                except LookupRefusal as refusal:
                    if refusal.code == "lookup_no_match":
                        no_match = refusal.message
                    else:
                        errors, status = [refusal], refusal.status
            status = status if status != 200 or not errors else 400
        headers = dict(NO_STORE)
        if status == 429:
            headers["Retry-After"] = str(errors[0].params["seconds"])
        page = self.render_template(
            "lookup/index.html", values=values, errors=errors, results=results, no_match=no_match,
            provinces=provinces(db.session), page_title=_("Physician practice registration lookup"),
        )
        return page, status, headers

    @expose("/institutions")
    def institutions(self):
        """Return up to 20 institution names of a province containing ``q`` (for the suggestions list)."""
        province = request.args.get("province", "")
        if not is_province(db.session, province):
            return jsonify([])
        return jsonify(institution_suggestions(db.session, province, request.args.get("q", "")))
