"""What it amounts to: requested reports (rendered by Celery workers).

Closed reporting months live in `kurser.models.ClosedMonth` (with the attendance rules); whether
a report needs re-issue is derived from them (`rapporter.closing.with_needs_reissue`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ombud.models import Municipality, Programme


class Report(models.Model):
    class Kind(models.TextChoices):
        ESF_SUMMARY = "esf", _("ESF-sammanställning")
        CERTIFICATES = "narvarorapport", _("Månatlig närvarorapport")
        PARTICIPANTS = "deltagarforteckning", _("Deltagarförteckning")
        MUNICIPALITY = "kommunrapport", _("Kommunrapport")
        OUTCOMES = "effektrapport", _("Effektrapport")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "XLSX"
        JSON = "json", "JSON"

    class Status(models.TextChoices):
        QUEUED = "köad", _("Köad")
        RUNNING = "pågår", _("Pågår")
        DONE = "klar", _("Klar")
        FAILED = "fel", _("Fel")

    kind = models.CharField(_("rapport"), max_length=30, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.PDF)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="reports")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    period_from = models.DateField(_("från"))
    period_to = models.DateField(_("till"))
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # 0–100
    file = models.FileField(upload_to="rapporter/%Y/%m/", blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,  # reports queued by commands and Celery beat have no requester
        related_name="reports",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker attempt that holds the claim (the Celery task id) and when it last said it is
    # alive: a redelivery of the same task takes the claim over, the sweeper fails a silent one.
    task_id = models.CharField(max_length=255, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("rapport")
        verbose_name_plural = _("rapporter")
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="report_user_newest")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_from}–{self.period_to}"


class ReportChunk(models.Model):
    """One part of a report rendered by its own Celery task (the monthly certificates of a large
    month: REPORT_CHUNK_PAGES participants each). The chunks of one run share the report's claim
    (`Report.task_id` when planned); the last chunk to finish joins the parts into the report's
    file. Coordinated through these rows, not a Celery chord: the tasks keep no results."""

    class Status(models.TextChoices):
        QUEUED = "köad", _("Köad")
        RUNNING = "pågår", _("Pågår")
        DONE = "klar", _("Klar")
        FAILED = "fel", _("Fel")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="chunks")
    claim = models.CharField(max_length=255)  # the report attempt that planned this chunk
    index = models.PositiveIntegerField()  # 0-based position in the joined document
    first_page = models.PositiveIntegerField()  # 1-based: its footers and failure message
    pages = models.PositiveIntegerField()  # of the whole document (one page per participant)
    person_ids = models.JSONField(default=list)  # in the document's order
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=255, blank=True)
    file = models.CharField(max_length=255, blank=True)  # a name in the default storage
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["report", "index"]
        constraints = [
            models.UniqueConstraint(fields=["report", "claim", "index"], name="report_chunk_unique_index")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.index}"

    @property
    def last_page(self) -> int:
        return self.first_page + len(self.person_ids) - 1
