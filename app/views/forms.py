"""Add and edit that keep what the user typed when a rule or the database refuses it.

FAB flashes the error and redirects (the input is lost) and shows raw database errors; here the
form is shown again with the translated reason, and the session is rolled back.
"""

from __future__ import annotations

from flask import abort, flash, request
from flask_appbuilder.urltools import get_order_args, get_page_args, get_page_size_args
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from wtforms import BooleanField
from wtforms.fields.core import UnboundField

from app.security.guards import ScopeViolation

DUPLICATE = _l("A record with the same unique value (number, code or name) already exists.")
DATABASE_ERROR = _l("The record could not be saved. Please check the values and try again.")


BLANK_CHOICE = _l("Please select")


def _default_is_true(column) -> bool:
    default = column.default
    return default is not None and getattr(default, "is_scalar", False) and default.arg is True


def label_blank_choices(form_class) -> None:
    """Give the empty choice of FAB's related drop-downs a label (WTForms 3.3 would show "__None")."""
    if form_class is None:
        return
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if isinstance(unbound, UnboundField) and unbound.kwargs.get("allow_blank") and not unbound.kwargs.get("blank_text"):
            unbound.kwargs["blank_text"] = BLANK_CHOICE


class SafeFormsMixin:
    """Keep the user's input on refusal; never show a raw database error."""

    def _init_forms(self):
        # FAB marks a NOT NULL boolean's checkbox as required, so "off" could never be saved.
        table = getattr(self.datamodel.obj, "__table__", None)
        booleans = [c for c in table.columns if isinstance(c.type, Boolean)] if table is not None else []
        for attr, adding in (("add_form_extra_fields", True), ("edit_form_extra_fields", False)):
            extra = dict(getattr(self, attr) or {})
            for column in booleans:
                extra.setdefault(
                    column.name,
                    BooleanField(
                        self.label_columns.get(column.name, column.name),
                        description=self.description_columns.get(column.name, ""),
                        # a new account, department or scope starts as the model's default (enabled)
                        default=adding and _default_is_true(column),
                    ),
                )
            setattr(self, attr, extra)
        super()._init_forms()
        for form in (self.add_form, self.edit_form, self.search_form):
            label_blank_choices(form)

    def _save(self, form, item, hook, message) -> bool:
        session = self.datamodel.session
        try:
            form.populate_obj(item)
            hook(item)
            session.add(item)
            session.commit()
        except ScopeViolation as error:
            session.rollback()
            flash(str(error), "danger")
            return False
        except IntegrityError:
            session.rollback()
            flash(str(DUPLICATE), "danger")
            return False
        except SQLAlchemyError:
            session.rollback()
            flash(str(DATABASE_ERROR), "danger")
            return False
        flash(str(message), "success")
        return True

    def _add(self):
        """Show the add form; on POST validate, guard, save, or show the form again with the input."""
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                item = self.datamodel.obj()
                if self._save(form, item, self.pre_add, self.add_row_message):
                    self.post_add(item)
                    return None
        else:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        """Show the edit form of an in-scope row; on refusal show it again with the input."""
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if form.validate():
                self.process_form(form, False)
                if self._save(form, item, self.pre_update, self.edit_row_message):
                    self.post_update(item)
                    return None
                item = self.datamodel.get(pk, self._base_filters) or abort(404)
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        return self._get_related_views_widgets(
            item,
            filters={},
            orders=get_order_args(),
            pages=get_page_args(),
            page_sizes=get_page_size_args(),
            widgets=widgets,
        )
