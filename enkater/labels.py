"""Display names of the outcome figures (for the Effektrapport and the outcome pages)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

INDICATOR_LABELS = {
    "managers_changed_routine": _(
        "Chefer som förändrat minst en rutin mot ett digitalt eller mobilt arbetssätt"
    ),
    "managers_lead_better": _("Chefer som stärkt sina kunskaper i att leda en digitaliserad arbetsplats"),
    "staff_skills_improved": _("Baspersonal som stärkt sin digitala kompetens"),
}
DIGCOMP_LABELS = {
    "information": _("Information och data"),
    "kommunikation": _("Kommunikation och samarbete"),
    "innehall": _("Digitalt innehåll"),
    "sakerhet": _("Säkerhet"),
    "problemlosning": _("Problemlösning"),
}
# Shown instead of a suppressed figure (spec §5c), on every page, chart and PDF.
SUPPRESSED = _("färre än 5 svar")
