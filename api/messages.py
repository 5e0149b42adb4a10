"""The API's own messages (the domain's messages come from the services and the importer)."""

from django.utils.translation import gettext_lazy as _

API_KEY_INVALID = _("Saknad eller ogiltig API-nyckel.")
API_UNKNOWN_FIELD = _("Okänt fält.")
API_MUNICIPALITY_REQUIRED = _("Ange kommun (kommunkod): nyckeln gäller bara vissa kommuner.")
API_MUNICIPALITY_UNKNOWN = _("Okänd kommun.")
API_NOT_FOUND = _("Finns inte.")
API_PERIOD = _("Ange datum som ÅÅÅÅ-MM-DD.")
