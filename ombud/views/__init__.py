"""Pages of the ombud app (who and where), one module per area.

Every view is thin: access (scope through `ombud.access`, 404 outside it; role predicates, 403),
a form, one selector or service call, render or redirect. A service's ValidationError is shown
on the form with status 400.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import Form

from ombud.access import has_role
from ombud.models import Role


def can_view_people(user) -> bool:
    """The staff list and person pages (read): every role; coordinators read-only."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.OMBUD, Role.COORDINATOR)


def can_export_people(user) -> bool:
    """The staff list as XLSX (personnummer only when `can_export_personnummer`)."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.COORDINATOR)


def can_manage_places(user) -> bool:
    """Municipalities' pages, workplaces and ombud: programme leaders and local leaders."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER)


def form_error(form: Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the named fields if it has a dict of
    fields the form knows, otherwise as a form-wide error."""
    if hasattr(error, "error_dict") and all(name in form.fields for name in error.error_dict):
        for name, errors in error.error_dict.items():
            for e in errors:
                form.add_error(name, e)
        return
    form.add_error(None, error)
