"""What every page's template asks for, made cheap: the translations, the role's menu, the list's rows.

A page asks for ~150 translated strings and shows a menu of ~30 items. Flask-Babel finds the
translations anew for every string (request context, locale, cache key), and FAB's menu asks
``has_access`` once per item: together more than half of a short page's time. Both answers depend
on little — the translations on the locale, the menu HTML on the locale and the user's roles — so:

* ``RequestDomain`` keeps the catalogue of each locale object it has seen; ``force_locale`` (the
  notices' Chinese) swaps the locale object and so still gets its own catalogue;
* ``babel_context()`` finds Flask-Babel's per-context namespace (``g._flask_babel``: the locale and
  the domain) from Flask's context variable, as Flask-Babel does but without three of werkzeug's
  proxies per lookup: a translated string costs ~2 µs instead of ~14;
* ``site_footer()`` and ``asset_tags()`` (the shell's styles and scripts) are built once per locale
  and mount point: they depend on nothing else;
* ``site_nav()`` renders the menu bar once per (roles, locale) and keeps it for ``MENU_CACHE_SECONDS``
  (default 60), the user's name put in per page. The roles' permissions are the code's role matrix
  (``FAB_ROLES``), so they change only with a deployment; a role edited in the database would show
  its old menu for at most that long, and the screen behind an entry checks the permission on
  every request anyway.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import flask_babel
from babel import support
from flask import Flask, current_app, render_template, request, session, url_for
from flask.globals import _cv_app
from flask_babel import Domain, get_babel, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.routing import BuildError


class RequestDomain(Domain):
    """Flask-Babel's domain, with one catalogue lookup per locale object instead of per string."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._by_locale: dict[int, tuple[object, support.Translations]] = {}

    def get_translations(self) -> support.NullTranslations:
        """Return the catalogue of the current locale (loaded once per process and locale)."""
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        # keyed by identity, holding the object so the id is never reused for another locale
        hit = self._by_locale.get(id(locale))
        if hit is None:
            hit = self._by_locale[id(locale)] = (locale, super().get_translations())
        return hit[1]


def babel_context() -> SimpleNamespace | None:
    """Return Flask-Babel's namespace of the current app context (created on first use), None outside one.

    The same answer as Flask-Babel's ``_get_current_context`` (``g._flask_babel``), read from Flask's
    context variable instead of through the ``g`` proxy three times: Flask-Babel calls it twice per
    translated string (for the domain, then the locale).
    """
    app_context = _cv_app.get(None)
    if app_context is None:
        return None
    namespace = app_context.g.__dict__.get("_flask_babel")
    if namespace is None:
        namespace = app_context.g._flask_babel = SimpleNamespace()
    return namespace


def install_translations(app: Flask) -> None:
    """Make Flask-Babel and the templates use one ``RequestDomain`` of the app's domain."""
    # Flask-Babel's get_domain and get_locale look this helper up on every call (pinned: 4.0.0)
    flask_babel._get_current_context = babel_context
    babel = get_babel(app)
    domain = RequestDomain(domain=babel.default_domain)
    # Flask-Babel resolves the domain through this cached property; replace its value
    babel.instance.__dict__["domain_instance"] = domain
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        newstyle=True,
    )


NAV_USER = "\x00nav-user\x00"  # where the menu bar shows the user's name (filled in per request)


def site_nav() -> Markup:
    """Return the menu bar (the role's menu, the account menu) of the current user, in the current locale.

    Everything in it follows from the user's roles, the locale and the mount point, except the
    user's name: the bar is rendered once per roles and locale with a place-holder for the name
    (kept ``MENU_CACHE_SECONDS``, default 60) and each page puts the escaped name in.
    """
    anonymous = current_user.is_anonymous
    roles = () if anonymous else tuple(sorted(role.id for role in current_user.roles))
    key = (anonymous, roles, str(get_locale()), session.get("locale"), request.script_root)
    cache = current_app.extensions.setdefault("site_nav", {})
    now = time.monotonic()
    hit = cache.get(key)
    if hit is None or hit[0] <= now:
        html = render_template("appbuilder/navbar.html", appbuilder=current_app.appbuilder, nav_user=NAV_USER)
        hit = cache[key] = (now + current_app.config.get("MENU_CACHE_SECONDS", 60), html)
    name = "" if anonymous else current_user.get_full_name() or current_user.username
    return Markup(hit[1].replace(NAV_USER, str(escape(name))))


def site_footer() -> Markup:
    """Return the footer HTML of the current locale: the same on every page (configuration, public links)."""
    cache = current_app.extensions.setdefault("site_footer", {})
    key = (str(get_locale()), request.script_root)
    html = cache.get(key)
    if html is None:
        html = cache[key] = Markup(render_template("appbuilder/footer.html"))
    return html


ROW_PK = "__pk__"  # stands for each row's key in the links row_links() returns


def row_links(modelview_name: str, can_show: bool, can_edit: bool, can_delete: bool, filters) -> dict[str, str]:
    """Return the show/edit/delete links of a list's rows, with ``ROW_PK`` for the row's key.

    FAB's ``btn_crud`` builds the three URLs and their filter arguments anew for every row (25 rows:
    75 ``url_for`` calls); the page builds them once and puts each row's key in.
    """
    related = "".join(f"&_flt_0_{flt.column_name}={value}" for flt, value in filters.get_filters_values()
                      if flt.is_related_view)
    links = {}
    for kind, allowed in (("show", can_show), ("edit", can_edit), ("delete", can_delete)):
        if allowed:
            try:
                path = url_for(f"{modelview_name}.{kind}", pk=ROW_PK)
            except BuildError:  # as FAB's safe_url_for: no route, no button
                continue
            links[kind] = path if kind == "delete" or not related else path + "?" + related[1:]
    return links


_ROW_BUTTONS = {
    "show": ('<a href="{href}" class="btn btn-sm btn-default" data-toggle="tooltip" rel="tooltip" title="{title}">'
             '<span class="sr-only">{text}</span><i class="fa fa-search"></i></a>'),
    "edit": ('<a href="{href}" class="btn btn-sm btn-default" data-toggle="tooltip" rel="tooltip" title="{title}">'
             '<span class="sr-only">{text}</span><i class="fa fa-edit"></i></a>'),
    "delete": ('<a id="btn-delete-{href}" href="#" class="btn btn-sm btn-default confirm" rel="tooltip" title="{title}">'
               '<span class="sr-only">{text}</span><i class="fa fa-trash"></i></a>'
               '<script nonce="{nonce}">document.getElementById("btn-delete-{href}").addEventListener("click", '
               "function () {{ return new AdminActions().execute_single_delete('{href}', '{question}'); }});"
               "</script>"),
}


def list_rows(value_columns, pks, include_columns, formatters: dict, links: dict | None, actions, nonce: str) -> Markup:
    """Return the ``<tr>`` of a FAB list page: its check box, show/edit/delete buttons and cells.

    ``links`` are ``row_links()``; None when the user may neither show, edit nor delete (no buttons column).

    FAB's template spends a dozen template calls on each row (the buttons' ``url_for`` and labels,
    each cell's formatter lookup); here the buttons are made once per page (``row_links``) and
    each row is joined in Python, escaped as the template escapes: the same HTML, a fifth of the time.
    """
    words = {
        "show": (escape(_("Show record")), escape(_("Show"))),
        "edit": (escape(_("Edit record")), escape(_("Edit"))),
        "delete": (escape(_("Delete record")), escape(_("Delete"))),
    }
    question = escape(_("Are you sure you want to delete this item?"))
    columns = [(column, formatters.get(column)) for column in include_columns]
    out = []
    for item, pk in zip(value_columns, pks, strict=False):
        key = escape(str(pk))
        cells = ["<tr>"]
        if actions:
            cells.append(f'<td><input id="{key}" class="action_check" name="rowid" value="{key}" type="checkbox"></td>')
        if links is not None:
            buttons = "".join(
                _ROW_BUTTONS[kind].format(href=escape(links[kind].replace(ROW_PK, str(pk))), title=words[kind][0],
                                          text=words[kind][1], nonce=escape(nonce), question=question)
                for kind in ("show", "edit", "delete") if kind in links)
            cells.append(f'<td><center><div class="btn-group btn-group-xs" style="display: flex;">{buttons}'
                         '</div></center></td>')
        for column, formatter in columns:
            value = item[column]
            cells.append(f"<td>{escape(formatter(value) if formatter else value)}</td>")
        cells.append("</tr>")
        out.append("".join(cells))
    return Markup("\n".join(out))


# The shell's style sheets and scripts (FAB's, then ours): (blueprint static endpoint, file).
ASSETS = {
    "styles": (
        ("appbuilder.static", "css/bootstrap.min.css"),
        ("appbuilder.static", "css/fontawesome/fontawesome.min.css"),
        ("appbuilder.static", "css/fontawesome/regular.min.css"),
        ("appbuilder.static", "css/fontawesome/solid.min.css"),
        ("appbuilder.static", "css/fontawesome/v4-shims.min.css"),
        ("appbuilder.static", "css/bootstrap-datepicker/bootstrap-datepicker3.min.css"),
        ("appbuilder.static", "css/select2/select2.min.css"),
        ("appbuilder.static", "css/select2/select2-bootstrap.min.css"),
        ("appbuilder.static", "css/ab.css"),
        ("static", "css/site.css"),
    ),
    "head": (
        ("appbuilder.static", "js/jquery-latest.js"),
        ("appbuilder.static", "js/ab_filters.js"),
        ("appbuilder.static", "js/ab_actions.js"),
    ),
    "tail": (
        ("appbuilder.static", "js/bootstrap.min.js"),
        ("appbuilder.static", "js/bootstrap-datepicker/bootstrap-datepicker.min.js"),
        ("static", "js/datepicker-zh-CN.js"),
        ("appbuilder.static", "js/select2/select2.min.js"),
        ("appbuilder.static", "js/ab.js"),
    ),
}


def asset_tags(kind: str, nonce: str = "") -> Markup:
    """Return the ``<link>`` (kind "styles") or ``<script>`` tags ("head", "tail") of every page's shell.

    Their URLs depend only on where the app is mounted, so they are built once per mount point
    instead of with 18 ``url_for`` calls on every page; a script carries the request's CSP nonce.
    """
    cache = current_app.extensions.setdefault("asset_tags", {})
    key = (kind, request.script_root)
    html = cache.get(key)
    if html is None:
        urls = [escape(url_for(endpoint, filename=name)) for endpoint, name in ASSETS[kind]]
        if kind == "styles":
            html = "\n".join(f'<link href="{url}" rel="stylesheet">' for url in urls)
        else:
            html = "\n".join(f'<script src="{url}" nonce="{{nonce}}"></script>' for url in urls)
        cache[key] = html
    return Markup(html.replace("{nonce}", escape(nonce)) if kind != "styles" else html)


def install_templating(app: Flask) -> None:
    """Install the cheap translations and the template globals that build once what every page repeats."""
    install_translations(app)
    app.jinja_env.globals["asset_tags"] = asset_tags
    app.jinja_env.globals["site_footer"] = site_footer
    app.jinja_env.globals["site_nav"] = site_nav
    app.jinja_env.globals["row_links"] = row_links
    app.jinja_env.globals["list_rows"] = list_rows
