"""KPI charts drawn on the server as SVG: they need no JavaScript, pass the CSP, print in
PDFs, and carry a title and description for screen readers (pages also give the values as
a table). Inputs are KPIs prepared by `kpis.selectors` (.series, .points, .status)."""

from datetime import timedelta
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .status import expected_on, path_points

COLOURS = {"on_track": "#00703c", "at_risk": "#b35c00", "off_track": "#d4351c",
           "stale": "#505a5f"}


def _fmt(v):
    v = Decimal(v).quantize(Decimal("0.01")).normalize()
    return f"{v:f}"


class _Scale:
    def __init__(self, d0, d1, lo, hi, box):
        self.d0, self.days = d0, max((d1 - d0).days, 1)
        pad = (hi - lo) * Decimal("0.1") or Decimal(1)
        self.lo, self.hi = lo - pad, hi + pad
        self.x0, self.y0, self.w, self.h = box

    def x(self, day):
        return round(self.x0 + self.w * (day - self.d0).days / self.days, 1)

    def y(self, value):
        share = (Decimal(value) - self.lo) / (self.hi - self.lo)
        return round(float(self.y0 + self.h - self.h * float(share)), 1)


def line_chart(kpi, *, start, end, width=640, height=240):
    """The KPI's measurements against its planned path (or range), in its status colour."""
    points = path_points(kpi, kpi.points, start)
    values = [Decimal(m.value) for m in kpi.series]
    bounds = [Decimal(kpi.lower), Decimal(kpi.upper)] if kpi.direction == "range" else [
        v for _, v in points]
    lo, hi = min(values + bounds), max(values + bounds)
    s = _Scale(start, end, lo, hi, (56, 12, width - 72, height - 44))
    colour = COLOURS[kpi.status.code]
    uid = f"kpi-{kpi.pk}"
    title = f"{kpi.name}: {kpi.status.label}"
    desc = (f"{len(values)} values from {kpi.series[0].date:%-d %b %Y} to "
            f"{kpi.series[-1].date:%-d %b %Y}, latest {_fmt(values[-1])}; goal "
            f"{kpi.goal_text} by {kpi.target_date:%-d %b %Y}. {kpi.status.why}"
            if values else f"No values yet; goal {kpi.goal_text} by {kpi.target_date:%-d %b %Y}.")
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-labelledby="{uid}-t {uid}-d" xmlns="http://www.w3.org/2000/svg">',
           f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>']
    # axes: min and max labels, start and end dates
    out.append(f'<g class="axis" font-size="11" fill="#505a5f">'
               f'<text x="50" y="{s.y(s.hi) + 10}" text-anchor="end">{_fmt(s.hi)}</text>'
               f'<text x="50" y="{s.y(s.lo)}" text-anchor="end">{_fmt(s.lo)}</text>'
               f'<text x="{s.x0}" y="{height - 8}">{start:%-d %b}</text>'
               f'<text x="{s.x0 + s.w}" y="{height - 8}" text-anchor="end">{end:%-d %b %Y}</text>'
               f'<line x1="{s.x0}" y1="{s.y0 + s.h}" x2="{s.x0 + s.w}" y2="{s.y0 + s.h}" '
               f'stroke="#b1b4b6"/></g>')
    if kpi.direction == "range":
        top, bottom = s.y(kpi.upper), s.y(kpi.lower)
        out.append(f'<rect class="band" x="{s.x0}" y="{top}" width="{s.w}" '
                   f'height="{round(bottom - top, 1)}" fill="#cce2d8"/>')
    elif points:
        # The path is drawn to the chart's edges, flat outside its points.
        line = [(start, expected_on(points, start))] + [
            (d, v) for d, v in points if start <= d <= end] + [(end, expected_on(points, end))]
        out.append('<polyline class="plan" fill="none" stroke="#505a5f" stroke-dasharray="4 4" '
                   'points="' + " ".join(f"{s.x(d)},{s.y(v)}" for d, v in line) + '"/>')
    if values:
        coords = [(s.x(m.date), s.y(m.value)) for m in kpi.series]
        out.append(f'<polyline class="values" fill="none" stroke="{colour}" stroke-width="2" '
                   'points="' + " ".join(f"{x},{y}" for x, y in coords) + '"/>')
        out.extend(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>' for x, y in coords)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped or a number


def sparkline(kpi, *, width=96, height=24):
    """The last values' trend, decorative beside the number and status it accompanies."""
    series = kpi.series[-12:]
    if len(series) < 2:
        return ""
    values = [Decimal(m.value) for m in series]
    lo, hi = min(values), max(values)
    s = _Scale(series[0].date, series[-1].date or series[0].date + timedelta(days=1), lo, hi,
               (2, 2, width - 4, height - 4))
    colour = COLOURS[kpi.status.code]
    pts = " ".join(f"{s.x(m.date)},{s.y(m.value)}" for m in series)
    return mark_safe(  # noqa: S308 - numbers only
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{pts}"/></svg>')
