"""Server-side SVG charts, shared by the web dashboard and the PDFs.

No JavaScript and no `style` attributes (the Content-Security-Policy forbids inline styles):
colours and sizes are SVG presentation attributes. Each chart is an accessible image
(`role="img"` with `<title>` and `<desc>` that state the numbers), and every text is escaped.
The functions take the plain data of `rapporter.queries` and return a safe string of markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from enkater.labels import DIGCOMP_LABELS, SUPPRESSED
from ombud.formatting import num

FONT = "DejaVu Sans, Verdana, sans-serif"
BAR = "#0b5a6e"  # the portal's primary colour; white text on it has contrast 7.6:1
BAR_DONE = "#1e7b34"
GOAL = "#b3261e"
AXIS = "#555555"
GRID = "#d0d7de"
TEXT = "#1f1f1f"

_counter = 0


def _uid(prefix: str) -> str:
    # Unique ids inside one page that holds several charts (aria-labelledby targets).
    global _counter
    _counter += 1
    return f"{prefix}-{_counter}"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _axis(value: float) -> tuple[float, list[float]]:
    """A round axis for values up to `value`: (maximum, tick values), steps of 1, 2 or 5 × 10^n
    and at most about five ticks."""
    if value <= 0:
        return 1, [0, 1]
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if value < 4 and step < 1:
        step = 1  # counts: no half people on the axis
    top = step * math.ceil(value / step)
    ticks = [i * step for i in range(round(top / step) + 1)]
    return top, ticks


def _svg(width: int, height: int, title: str, desc: str, body: list[str], prefix: str) -> SafeString:
    uid = _uid(prefix)
    return mark_safe(  # noqa: S308 - every interpolated text is escaped with _e
        f'<svg xmlns="http://www.w3.org/2000/svg" class="modig-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{uid}-t {uid}-d" font-family="{FONT}" font-size="12" fill="{TEXT}">'
        f'<title id="{uid}-t">{_e(title)}</title><desc id="{uid}-d">{_e(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def hbar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    fmt: Callable[[float], str] = num,
    goals: Sequence[float] | None = None,
    width: int = 640,
    prefix: str = "chart",
) -> SafeString:
    """Horizontal bars, one per (label, value); optional goal marker per bar."""
    row = 22
    label_w = 170
    value_w = 70
    top, bottom = 8, 24
    plot_w = width - label_w - value_w - 10
    height = top + bottom + max(len(items), 1) * row
    top_value = max([v for _, v in items] + list(goals or []) + [0])
    axis_max, ticks = _axis(top_value)
    scale = plot_w / axis_max
    body: list[str] = []
    for tick in ticks:
        x = label_w + tick * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom + 4}" stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" font-size="10" fill="{AXIS}">'
            f"{_e(fmt(tick))}</text>"
        )
    if not items:
        body.append(
            f'<text x="{label_w + plot_w / 2:.1f}" y="{top + 15}" text-anchor="middle" fill="{AXIS}">'
            f"{_e(_('Inga uppgifter för perioden'))}</text>"
        )
    for i, (label, value) in enumerate(items):
        y = top + i * row
        w = max(value * scale, 0)
        goal = goals[i] if goals else None
        colour = BAR_DONE if goal is not None and value >= goal else BAR
        body.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(_shorten(label, 26))}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{colour}">'
            f"<title>{_e(label)}: {_e(fmt(value))} {_e(unit)}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="11">{_e(fmt(value))}</text>'
        )
        if goal is not None:
            gx = label_w + goal * scale
            body.append(
                f'<line x1="{gx:.1f}" y1="{y + 1}" x2="{gx:.1f}" y2="{y + row - 1}" stroke="{GOAL}" '
                f'stroke-width="2"/>'
            )
    desc = "; ".join(f"{label}: {fmt(value)} {unit}".strip() for label, value in items) or _(
        "Inga uppgifter för perioden"
    )
    return _svg(width, height, title, desc, body, prefix)


def vbar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    fmt: Callable[[float], str] = num,
    width: int = 640,
    height: int = 220,
    prefix: str = "chart",
) -> SafeString:
    """Vertical bars over time (one per month); every few labels on the x axis."""
    left, right, top, bottom = 56, 10, 10, 34
    plot_w = width - left - right
    plot_h = height - top - bottom
    axis_max, ticks = _axis(max([v for _, v in items] + [0]))
    n = max(len(items), 1)
    slot = plot_w / n
    bar_w = max(slot * 0.7, 1)
    body: list[str] = []
    for tick in ticks:
        y = top + plot_h - plot_h * tick / axis_max
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="{AXIS}">'
            f"{_e(fmt(tick))}</text>"
        )
    every = max(1, round(n / 12))
    for i, (label, value) in enumerate(items):
        h = plot_h * value / axis_max
        x = left + i * slot + (slot - bar_w) / 2
        body.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{BAR}">'
            f"<title>{_e(label)}: {_e(fmt(value))} {_e(unit)}</title></rect>"
        )
        if i % every == 0:
            cx = left + i * slot + slot / 2
            body.append(
                f'<text x="{cx:.1f}" y="{height - bottom + 14}" text-anchor="middle" font-size="9" '
                f'fill="{AXIS}">{_e(label)}</text>'
            )
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{AXIS}" '
        f'stroke-width="1"/>'
    )
    if unit:
        body.append(f'<text x="{left}" y="{height - 4}" font-size="10" fill="{AXIS}">{_e(unit)}</text>')
    desc = "; ".join(f"{label}: {fmt(value)}" for label, value in items if value) or _(
        "Inga uppgifter för perioden"
    )
    return _svg(width, height, title, desc, body, prefix)


def _hours_label(value: float) -> str:
    # Rounded here: Django's number formatting cuts off decimals of a float instead of rounding.
    if value >= 10 or value == int(value):
        return num(int(Decimal(str(value)).quantize(Decimal(1), ROUND_HALF_UP)), 0)
    return num(Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP), 1)


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# --- the three charts of the dashboard and the ESF report --------------------------------------


def participants_by_municipality_chart(rows: Sequence[dict], *, width: int = 640) -> SafeString:
    """rows: `queries.participants_by_municipality` or the summary's `by_municipality`."""
    return hbar_chart(
        [(r["name"], r["participants"]) for r in rows],
        title=_("Deltagare per kommun"),
        unit=_("deltagare"),
        width=width,
        prefix="chart-kommun",
    )


def hours_per_month_chart(rows: Sequence[dict], *, width: int = 640) -> SafeString:
    """rows: `queries.hours_per_month`."""
    return vbar_chart(
        [(r["month"], r["participant_hours"]) for r in rows],
        title=_("Deltagartimmar per månad"),
        unit=_("timmar"),
        fmt=_hours_label,
        width=width,
        prefix="chart-manad",
    )


def reach_per_ombud_chart(rows: Sequence[dict], *, width: int = 640) -> SafeString:
    """rows: `queries.reach_per_ombud` (reached and goal per ombud); the red line is the goal."""
    return hbar_chart(
        [(r["ombud"], r["reached"]) for r in rows],
        title=_("Nådda kollegor per digitaliseringsombud (röd linje: mål)"),
        unit=_("nådda"),
        goals=[r.get("goal", 0) for r in rows] if rows else None,
        width=width,
        prefix="chart-ombud",
    )


# --- outcomes (spec §5c): the Effektrapport and the effect pages -------------------------------

BEFORE = "#9fc5d0"  # light: before; the primary colour: after


def _percent_label(share: float) -> str:
    return f"{num(share * 100, 1)} %"


def indicator_by_municipality_chart(
    rows: Sequence[dict], key: str, *, title: str, width: int = 640
) -> SafeString:
    """One indicator's share per municipality (rows: the outcome summary's `by_municipality`).
    A suppressed group gets no bar, only the words "färre än 5 svar"."""
    row, label_w, value_w, top, bottom = 22, 170, 120, 8, 24
    plot_w = width - label_w - value_w - 10
    height = top + bottom + max(len(rows), 1) * row
    scale = plot_w / 100
    body: list[str] = []
    for tick in (0, 25, 50, 75, 100):
        x = label_w + tick * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom + 4}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" font-size="10" fill="{AXIS}">{tick} %</text>'
        )
    described = []
    for i, r in enumerate(rows):
        figure = next(f for f in r["indicators"] if f["key"] == key)
        y = top + i * row
        body.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(_shorten(r["name"], 26))}</text>'
        )
        if figure["suppressed"]:
            text = str(SUPPRESSED)
            body.append(
                f'<text x="{label_w + 4}" y="{y + 15}" font-size="11" fill="{AXIS}">{_e(text)}</text>'
            )
        else:
            text = _percent_label(figure["share"])
            w = figure["share"] * 100 * scale
            body.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{BAR}">'
                f"<title>{_e(r['name'])}: {_e(text)}</title></rect>"
                f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="11">{_e(text)}</text>'
            )
        described.append(f"{r['name']}: {text}")
    return _svg(width, height, title, "; ".join(described), body, "chart-indikator")


def digcomp_chart(rows: Sequence[dict], *, width: int = 640) -> SafeString:
    """Mean self-assessment (1–5) before and after per DigComp area (rows: the summary's
    `digcomp`); a suppressed area gets no bars, only "färre än 5 svar"."""
    row, label_w, value_w, top, bottom = 40, 230, 60, 26, 24
    plot_w = width - label_w - value_w - 10
    height = top + bottom + max(len(rows), 1) * row
    scale = plot_w / 5
    body: list[str] = [
        f'<rect x="{label_w}" y="4" width="12" height="10" fill="{BEFORE}"/>'
        f'<text x="{label_w + 16}" y="13" font-size="10">{_e(_("före"))}</text>'
        f'<rect x="{label_w + 70}" y="4" width="12" height="10" fill="{BAR}"/>'
        f'<text x="{label_w + 86}" y="13" font-size="10">{_e(_("efter"))}</text>'
    ]
    for tick in range(6):
        x = label_w + tick * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom + 4}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" font-size="10" fill="{AXIS}">{tick}</text>'
        )
    described = []
    for i, r in enumerate(rows):
        label = str(DIGCOMP_LABELS.get(r["area"], r["area"]))
        y = top + i * row
        body.append(
            f'<text x="{label_w - 6}" y="{y + 22}" text-anchor="end">{_e(_shorten(label, 30))}</text>'
        )
        if r["suppressed"]:
            body.append(
                f'<text x="{label_w + 4}" y="{y + 22}" font-size="11" fill="{AXIS}">{_e(SUPPRESSED)}</text>'
            )
            described.append(f"{label}: {SUPPRESSED}")
            continue
        for j, (moment, value, colour) in enumerate(
            (("före", r["before"], BEFORE), ("efter", r["after"], BAR))
        ):
            w = value * scale
            by = y + 4 + j * 16
            body.append(
                f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="14" fill="{colour}">'
                f"<title>{_e(label)} {_e(_(moment))}: {_e(num(value, 2))}</title></rect>"
                f'<text x="{label_w + w + 4:.1f}" y="{by + 11}" font-size="10">{_e(num(value, 2))}</text>'
            )
        described.append(
            _("%(area)s: före %(before)s, efter %(after)s (%(pairs)s par)")
            % {"area": label, "before": num(r["before"], 2), "after": num(r["after"], 2), "pairs": r["pairs"]}
        )
    return _svg(
        width,
        height,
        _("Självskattad digital kompetens före och efter (1–5)"),
        "; ".join(described),
        body,
        "chart-digcomp",
    )
