"""Refusals of the workflow commands, with their Chinese messages (in the one registry)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.commands import CommandError, register_messages

MESSAGES = {
    # the transition table
    "unknown_action": _l("This action does not exist."),
    "action_not_allowed": _l("Your role may not take this action on the application."),
    "already_handled": _l(
        "This application has already been handled by someone else (it is now: %(status)s). Reload the page to see it."
    ),
    "reason_required": _l("Please give the reason; the physician will see it."),
    "application_not_found": _l("The application does not exist or is outside what your account may see."),
    "not_editable": _l("Only a draft, or an application returned to you, can be changed."),
    # who may file
    "account_not_active": _l("Your account is not active yet: ask your institution for the activation code first."),
    "one_open_application": _l(
        "You already have an application in progress (%(number)s). Wait for its decision or withdraw it first."
    ),
    "registration_required": _l("You have no practice registration yet: file a first registration instead."),
    "already_registered": _l("You already hold a practice registration: file a change instead of a first registration."),
    "registration_blocked": _l(
        "Your registration is suspended or cancelled, so no change or filing can be filed. Contact your health commission."
    ),
    "qualification_required": _l("Choose the qualification to register with."),
    "qualification_not_yours": _l("This qualification is not recorded for your ID number."),
    # uploads
    "photo_required": _l(
        "Upload a recent ID photo (JPEG or PNG, white background, no hat) in the photo step before submitting."
    ),
    "upload_not_allowed": _l("This application does not take this file."),
    # location, institution, scopes
    "location_required": _l("Choose the practice location."),
    "location_unknown": _l("The practice location is not a known administrative region."),
    "location_wrong_level": _l(
        "A practising physician registers a province, a practising assistant physician a county: choose the location again."
    ),
    "institution_outside_location": _l("The institution does not lie inside the chosen practice location."),
    "institution_unknown": _l("The institution does not exist."),
    "institution_military": _l(
        "Military and armed-police hospitals are not registered here: please contact the military health department."
    ),
    "scope_none": _l("Choose at least one practice scope."),
    "scope_duplicate": _l("Each practice scope can be chosen once only."),
    "scope_too_many": _l("Choose at most %(maximum)d practice scopes."),
    "scope_not_allowed": _l("A chosen practice scope does not belong to your qualification's category."),
    "filing_scope_not_subset": _l("A filing can only cover scopes of your registration."),
    "filing_same_institution": _l("Choose an institution other than your primary institution and your active filings."),
    "filing_dates": _l("The filing must start on or before the day it ends."),
    "filing_required": _l("Choose the filing to end."),
    "nothing_changed": _l("Nothing differs from your registration: change the location, the institution or the scopes."),
    # window and 2-year rule
    "window_not_set": _l(
        "Registration for the %(cohort)s exam cohort has not been opened in this province yet. Please check the notice of the provincial health commission."
    ),
    "window_not_open": _l("Registration for the %(cohort)s exam cohort opens on %(opens)s (until %(closes)s)."),
    "window_closed": _l(
        "Registration for the %(cohort)s exam cohort closed on %(closes)s. Contact the provincial health commission."
    ),
    "training_required": _l(
        "You obtained the qualification two years ago or more: add the proof of at least %(months)d months of training at a designated institution and the passed assessment."
    ),
    "training_incomplete": _l(
        "The training proof is incomplete: give the institution, start and end dates, the date of the passed assessment and upload the certificate."
    ),
    "training_dates_reversed": _l("The training must end after it starts."),
    "training_too_short": _l("The training must last at least %(months)d months."),
    "training_assessment_date": _l("The assessment date must lie between the end of the training and today."),
    "registration_not_found": _l("The registration does not exist or is outside what your account may see."),
    "suspension_period": _l(
        "A failed periodic assessment suspends practice for 3 to 6 months: choose an end date from %(earliest)s to %(latest)s."
    ),
    # the commission's measures on registrations (注销, 暂停执业)
    "measure_not_allowed": _l("Only a health commission reviewer may cancel or suspend a practice registration."),
    "registration_already_cancelled": _l("This practice registration is already cancelled: there is nothing more to do."),
    "cancellation_ground_required": _l("Tick at least one ground of Article 17 of the Physicians Law."),
    "cancellation_ground_unknown": _l("A ticked ground is not one of Article 17 of the Physicians Law: reload the page and tick again."),
    "cancellation_note_required": _l("You ticked \"other cases\": explain which law or regulation applies."),
    "cancellation_note_too_long": _l("The explanation may be at most %(maximum)d characters long."),
    "cancellation_not_confirmed": _l("Tick the confirmation: a cancellation cannot be undone here."),
    "suspension_until_invalid": _l("Enter the end of the suspension as a date, e.g. 2027-03-01."),
    "assessment_in_future": _l("The assessment date cannot be later than today."),
    "failed_by_commission": _l(
        "A failed periodic assessment is entered by the health commission, which decides the suspension at the same time. Report the result to your health commission."
    ),
    "registration_not_active": _l(
        "The registration has been cancelled or suspended meanwhile, so this application cannot be approved. Refuse it and give this as the reason."
    ),
    "calendar_year_unknown": _l(
        "The working-day calendar for %(year)s has not been entered yet: the health commission must enter it before deadlines can be computed."
    ),
}

STATUSES = {
    "application_not_found": 404,
    "registration_not_found": 404,
    "measure_not_allowed": 403,
    "registration_already_cancelled": 409,
    "registration_not_active": 409,
    "action_not_allowed": 403,
    "already_handled": 409,
    "one_open_application": 409,
    "calendar_year_unknown": 503,
}

register_messages(MESSAGES, STATUSES)


class WorkflowError(CommandError):
    """A refused workflow command."""
