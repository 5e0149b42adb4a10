"""Pages of the ombud app (who and where), one module per area.

Every view is thin: access (scope through `ombud.access`, 404 outside it; role predicates, 403),
a form, one selector or service call, render or redirect. A service's ValidationError is shown
on the form with status 400.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponseRedirect, QueryDict


def form_error(form: Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the named fields if it has a dict of
    fields the form knows, otherwise as a form-wide error."""
    if hasattr(error, "error_dict") and all(name in form.fields for name in error.error_dict):
        for name, errors in error.error_dict.items():
            for e in errors:
                form.add_error(name, e)
        return
    form.add_error(None, error)


# --- searches that may hold a personnummer ----------------------------------------------------
# A search is posted, never sent in a URL as typed: a URL ends up in access logs, the browser's
# history and proxies. A search holding digits (a personnummer, a birth date) is kept in the
# user's session under a random key, and the URL carries only `pnr=<key>`; a name stays readable
# (`?q=Lind`) so lists can be bookmarked.

SEARCH_KEY = "pnr"
SEARCHES_IN_SESSION = "ombud.searches"
SEARCHES_KEPT = 20


def search_params(request: HttpRequest, data: QueryDict, fields: list[str]) -> str:
    """The query string for a posted search form: the non-empty `fields` in their order, with a
    `q` holding digits swapped for a key into the user's session."""
    params = {name: data.get(name, "") for name in fields}
    q = params.get("q", "")
    if any(ch.isdigit() for ch in q):
        key = secrets.token_urlsafe(9)
        searches = dict(request.session.get(SEARCHES_IN_SESSION, {}))
        searches[key] = q
        request.session[SEARCHES_IN_SESSION] = dict(list(searches.items())[-SEARCHES_KEPT:])
        params = {SEARCH_KEY: key, **params, "q": ""}
    return urlencode({name: value for name, value in params.items() if value})


def search_moved_out_of_url(request: HttpRequest, fields: list[str]) -> HttpResponseRedirect | None:
    """A GET whose `q` holds digits (typed into the address bar, an old bookmark): a 303 to the
    same page with the search swapped for a session key, so the page's own links (pagination,
    export) never repeat it. None for any other request."""
    if request.method != "GET" or not any(ch.isdigit() for ch in request.GET.get("q", "")):
        return None
    query = search_params(request, request.GET, fields)
    response = HttpResponseRedirect(request.path + (f"?{query}" if query else ""))
    response.status_code = 303
    return response


def search_data(request: HttpRequest) -> QueryDict:
    """The request's GET filters with `pnr=<key>` swapped back for the search it stands for
    (a key of another session or an expired one is simply no search)."""
    data = request.GET.copy()
    key = data.pop(SEARCH_KEY, [""])[-1]
    q = request.session.get(SEARCHES_IN_SESSION, {}).get(key) if key else None
    if q:
        data["q"] = q
    return data
