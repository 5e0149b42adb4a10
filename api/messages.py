"""The API's own messages (the domain's messages come from the services and the importer)."""

from django.utils.translation import gettext_lazy as _

API_KEY_INVALID = _("Saknad eller ogiltig API-nyckel.")
API_UNKNOWN_FIELD = _("Okänt fält.")
API_MUNICIPALITY_REQUIRED = _("Ange kommun (kommunkod): nyckeln gäller bara vissa kommuner.")
API_MUNICIPALITY_UNKNOWN = _("Okänd kommun.")
API_NOT_FOUND = _("Finns inte.")
API_PERIOD = _("Ange datum som ÅÅÅÅ-MM-DD.")
API_MALFORMED_JSON = _("Ogiltig JSON: kontrollera citattecken, kommatecken och klamrar.")
API_THROTTLED = _("För många anrop med den här nyckeln. Försök igen om %(seconds)s sekunder.")
API_UNSUPPORTED_MEDIA = _("Skicka JSON (Content-Type: application/json).")
API_METHOD_NOT_ALLOWED = _("Metoden %(method)s stöds inte här.")
