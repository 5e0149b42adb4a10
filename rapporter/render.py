"""Renderers: plain data in, file bytes out (PDF via WeasyPrint, XLSX via openpyxl, JSON).

No ORM and no Celery here: `rapporter.services` collects the numbers with `rapporter.queries`
and hands them over as dicts and lists, so the three formats show the very same numbers.
PDFs are HTML templates under templates/pdf/ with the print stylesheet static/css/print.css
(read from disk; WeasyPrint never fetches anything over the network).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.translation import gettext as _

from ombud import xlsx
from ombud.formatting import HOURS_DECIMALS
from ombud.personnummer import formatted, masked
from rapporter import labels

PRINT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "print.css"

# XLSX number formats; Excel shows them with the reader's own separators ("3 513", "30 605,00").
INT_FORMAT = "#,##0"
HOURS_FORMAT = "#,##0." + "0" * HOURS_DECIMALS  # the same decimals as pages and PDFs
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"

# The ESF PDF's reach chart shows this many ombud (those who reached most); the cascade section
# lists every ombud compactly per municipality, so the PDF stays short at 3,000 ombud.
REACH_CHART_TOP = 20


# --- JSON --------------------------------------------------------------------------------------


def to_json(data: Any) -> bytes:
    """The spec's JSON form: UTF-8, `ensure_ascii=False`, `indent=1`."""
    return json.dumps(data, ensure_ascii=False, indent=1, default=_json_default).encode("utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# --- PDF ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _stylesheet():
    from weasyprint import CSS

    return CSS(filename=str(PRINT_CSS))


@lru_cache(maxsize=1)
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def html_to_pdf(html: str, extra_css: str = "") -> bytes:
    from weasyprint import CSS, HTML

    document = HTML(string=html, base_url=str(PRINT_CSS.parent))
    stylesheets = [_stylesheet()]
    if extra_css:
        stylesheets.append(CSS(string=extra_css, font_config=_font_config()))
    return document.write_pdf(stylesheets=stylesheets, font_config=_font_config())


def pdf(template: str, context: dict[str, Any], extra_css: str = "") -> bytes:
    return html_to_pdf(render_to_string(template, context), extra_css)


def period_label(date_from: str | dt.date, date_to: str | dt.date) -> str:
    return f"{_iso(date_from)} – {_iso(date_to)}"


def month_label(month: dt.date) -> str:
    """'september 2019' in the active language."""
    return formats.date_format(month, "F Y").lower()


def _iso(value: str | dt.date) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def esf_pdf(summary: dict, *, meta: dict, charts: dict[str, str]) -> bytes:
    """ESF-sammanställning (or, with `meta["kommunrapport"]`, a municipality's report).

    `meta`: funder, case_id, municipality ({code, name} or None), generated_at, title.
    `charts`: SVG markup by name (municipalities, months, ombud)."""
    return pdf("pdf/esf_summary.html", _esf_context(summary, meta, charts))


def _esf_context(summary: dict, meta: dict, charts: dict[str, str]) -> dict[str, Any]:
    totals = summary["totals"]
    by_municipality = summary["by_municipality"]
    if meta.get("municipality"):
        by_municipality = [m for m in by_municipality if m["code"] == meta["municipality"]["code"]]
    return {
        "s": summary,
        "meta": meta,
        "charts": charts,
        "period": period_label(summary["programme"]["from"], summary["programme"]["to"]),
        "by_municipality": by_municipality,
        "gender_total": {
            "participants": sum(m["participants"] for m in by_municipality),
            "women": sum(m["women"] for m in by_municipality),
            "men": sum(m["men"] for m in by_municipality),
            "other": sum(m["other"] for m in by_municipality),
            "participant_hours": round(sum(m["participant_hours"] for m in by_municipality), 2),
        },
        "totals": totals,
        "by_target_group": labels.target_group_rows(summary),
        "by_type": labels.type_rows(summary),
        "cascade": labels.cascade_rows(summary),
        "cascade_by_municipality": labels.cascade_by_municipality(summary),
        "reach_chart_top": REACH_CHART_TOP if len(summary["cascade"]) > REACH_CHART_TOP else None,
        "has_cofinancing": "cofinancing" in summary,
    }


def outcome_html(summary: dict, *, meta: dict, charts: dict[str, Any]) -> str:
    """The Effektrapport as HTML (spec §5d). A suppressed figure is never in `summary` (None),
    and the template prints "färre än 5 svar" in its place."""
    from enkater.labels import DIGCOMP_LABELS, INDICATOR_LABELS

    def rows(indicators: list[dict]) -> list[dict]:
        return [{**i, "label": INDICATOR_LABELS[i["key"]], "percent": _share_percent(i)} for i in indicators]

    return render_to_string(
        "pdf/outcomes.html",
        {
            "s": summary,
            "meta": meta,
            "charts": charts,
            "period": period_label(summary["programme"]["from"], summary["programme"]["to"]),
            "indicators": rows(summary["indicators"]),
            "municipalities": [
                {**m, "indicators": rows(m["indicators"])} for m in summary["by_municipality"]
            ],
            "digcomp": [{**d, "label": DIGCOMP_LABELS.get(d["area"], d["area"])} for d in summary["digcomp"]],
        },
    )


def _share_percent(indicator: dict) -> str | None:
    from ombud.formatting import num

    share = indicator.get("share")
    return None if share is None else f"{num(share * 100, 1)} %"


def outcome_pdf(summary: dict, *, meta: dict, charts: dict[str, Any]) -> bytes:
    return html_to_pdf(outcome_html(summary, meta=meta, charts=charts))


def certificates_pdf(people: list[dict], *, meta: dict) -> bytes:
    """Månatlig närvarorapport: one page per participant (spec §4).
    `meta`: programme {code, name, case_id, funder}, month (date), municipality or None; for one
    chunk of a longer document (rapporter.chunks) also `first_page` and `pages`, so that its
    footers read "Sida 251 av 12152" as in the whole document (one page per participant)."""
    people = [{**p, "personnummer_masked": masked(p["personnummer"] or None)} for p in people]
    numbering = ""
    if meta.get("pages"):
        first, total = int(meta["first_page"]), int(meta["pages"])
        numbering = (
            f"@page {{ @bottom-right {{ content: 'Sida ' counter(page) ' av {total}'; }} }}"
            f" @page :first {{ counter-reset: page {first}; }}"
        )
    return pdf(
        "pdf/certificates.html",
        {"people": people, "meta": meta, "month_label": month_label(meta["month"])},
        numbering,
    )


def participants_pdf(rows: list[dict], *, meta: dict) -> bytes:
    """Deltagarförteckning with personnummer (the caller audits the export)."""
    rows = [{**r, "personnummer_display": formatted(r["personnummer"] or None)} for r in rows]
    return pdf("pdf/participants.html", {"rows": rows, "meta": meta})


# --- XLSX --------------------------------------------------------------------------------------


def _workbook() -> xlsx.Workbook:
    return xlsx.Workbook()


def _sheet(
    wb: xlsx.Workbook,
    title: str,
    headers: list[str],
    rows: list[list[Any]],
    formats_: list[str | None],
    *,
    bold_last: bool = False,
) -> None:
    """One table on its own sheet: bold header row, frozen, real numbers with number formats;
    with `bold_last` the last row (a total) is bold. Written by `ombud.xlsx` (never a formula)."""
    widths = xlsx.column_widths(headers, rows)
    body, last = (rows[:-1], rows[-1:]) if bold_last else (rows, [])
    sheet, _n = wb.table(title, headers, body, formats=formats_, widths=widths)
    for row in last:
        sheet.append(row, bold=True, formats=formats_)


def _save(wb: xlsx.Workbook) -> bytes:
    return wb.to_bytes()


def esf_xlsx(summary: dict, *, meta: dict) -> bytes:
    """The ESF summary as a workbook, a sheet per table; every number a real number."""
    wb = _workbook()
    p = summary["programme"]
    t = summary["totals"]
    ws = wb.sheet(_("Sammanfattning"), widths=[40, 50])
    ws.append([_("ESF-sammanställning")], bold=True, size=14)
    cover = [
        (_("Program"), f"{p['code']} – {p['name']}", None),
        (_("Finansiär"), meta.get("funder") or "", None),
        (_("Ärende-id"), meta.get("case_id") or "", None),
        (_("Period från"), dt.date.fromisoformat(p["from"]), DATE_FORMAT),
        (_("Period till"), dt.date.fromisoformat(p["to"]), DATE_FORMAT),
    ]
    if meta.get("municipality"):
        m = meta["municipality"]
        cover.append((_("Kommun"), f"{m['name']} ({m['code']})", None))
    cover += [
        (_("Deltagare"), t["participants"], INT_FORMAT),
        (_("Kvinnor"), t["women"], INT_FORMAT),
        (_("Män"), t["men"], INT_FORMAT),
        (_("Annat"), t["other"], INT_FORMAT),
        (_("Deltagartimmar"), t["participant_hours"], HOURS_FORMAT),
        (_("Utbildningstillfällen"), t["sessions"], INT_FORMAT),
        (_("Lärarledda timmar"), t["session_hours"], HOURS_FORMAT),
        (_("Kommuner med deltagare"), t["municipalities"], INT_FORMAT),
        (_("Digitaliseringsombud som nått kollegor"), t["ombud"], INT_FORMAT),
    ]
    if "cofinancing_total" in summary:
        cover.append((_("Samfinansiering totalt (kr)"), summary["cofinancing_total"], MONEY_FORMAT))
    else:
        cover.append((_("Samfinansiering"), _("samfinansiering ej konfigurerad"), None))
    if summary.get("temporary_participants"):
        cover.append(
            (_("Tillfälliga deltagare (räknas inte)"), summary["temporary_participants"], INT_FORMAT)
        )
    for label, value, fmt in cover:
        ws.append([ws.cell(label, bold=True), ws.cell(value, number_format=fmt)])

    g = [_("Deltagare"), _("Kvinnor"), _("Män"), _("Annat")]
    _sheet(
        wb,
        _("Kommuner"),
        [_("Kommunkod"), _("Kommun"), *g, _("Deltagartimmar")],
        [
            [
                m["code"],
                m["name"],
                m["participants"],
                m["women"],
                m["men"],
                m["other"],
                m["participant_hours"],
            ]
            for m in summary["by_municipality"]
        ],
        [None, None, INT_FORMAT, INT_FORMAT, INT_FORMAT, INT_FORMAT, HOURS_FORMAT],
    )
    _sheet(
        wb,
        _("Åldersgrupper"),
        [_("Åldersgrupp"), *g],
        [[a["band"], a["participants"], a["women"], a["men"], a["other"]] for a in summary["by_age_band"]],
        [None, INT_FORMAT, INT_FORMAT, INT_FORMAT, INT_FORMAT],
    )
    _sheet(
        wb,
        _("Målgrupper"),
        [_("Målgrupp"), *g, _("Deltagartimmar")],
        [
            [r["label"], r["participants"], r["women"], r["men"], r["other"], r["participant_hours"]]
            for r in labels.target_group_rows(summary)
        ],
        [None, INT_FORMAT, INT_FORMAT, INT_FORMAT, INT_FORMAT, HOURS_FORMAT],
    )
    _sheet(
        wb,
        _("Utbildningstyper"),
        [_("Typ"), _("Tillfällen"), _("Deltagartimmar")],
        [[r["label"], r["sessions"], r["participant_hours"]] for r in labels.type_rows(summary)],
        [None, INT_FORMAT, HOURS_FORMAT],
    )
    _sheet(
        wb,
        _("Verktyg"),
        [_("Verktyg"), _("Tillfällen"), _("Deltagare"), _("Deltagartimmar")],
        [[r["tool"], r["sessions"], r["participants"], r["participant_hours"]] for r in summary["by_tool"]],
        [None, INT_FORMAT, INT_FORMAT, HOURS_FORMAT],
    )
    _sheet(
        wb,
        _("Kaskad"),
        [_("Digitaliseringsombud"), _("Kommun"), _("Kommunkod"), _("Nådda kollegor")],
        [
            [r["ombud"], r["municipality_name"], r["municipality"], r["reached"]]
            for r in labels.cascade_rows(summary)
        ],
        [None, None, None, INT_FORMAT],
    )
    if "cofinancing" in summary:
        rows = [
            [c["year"], c["participant_hours"], c["unit_cost"], c["value"]] for c in summary["cofinancing"]
        ]
        rows.append([_("Totalt"), None, None, summary["cofinancing_total"]])
        _sheet(
            wb,
            _("Samfinansiering"),
            [_("År"), _("Deltagartimmar"), _("Kronor per timme"), _("Värde (kr)")],
            rows,
            [None, HOURS_FORMAT, MONEY_FORMAT, MONEY_FORMAT],
            bold_last=True,
        )
    return _save(wb)


def participants_xlsx(rows: list[dict], *, meta: dict) -> bytes:
    wb = _workbook()
    _sheet(
        wb,
        _("Deltagarförteckning"),
        [
            _("Personnummer"),
            _("Efternamn"),
            _("Förnamn"),
            _("Kön"),
            _("Målgrupp"),
            _("Kommunkod"),
            _("Kommun"),
            _("Arbetsplats"),
            _("Första tillfälle"),
            _("Senaste tillfälle"),
            _("Tillfällen"),
            _("Deltagartimmar"),
        ],
        [
            [
                formatted(r["personnummer"] or None),
                r["last_name"],
                r["first_name"],
                labels.gender(r["gender"]),
                labels.target_group(r["target_group"]),
                r["municipality_code"],
                r["municipality"],
                r["workplace"],
                r["first_date"],
                r["last_date"],
                r["sessions"],
                r["participant_hours"],
            ]
            for r in rows
        ],
        [None, None, None, None, None, None, None, None, DATE_FORMAT, DATE_FORMAT, INT_FORMAT, HOURS_FORMAT],
    )
    return _save(wb)
