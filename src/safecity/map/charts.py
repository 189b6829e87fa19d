"""Charts drawn on the server as SVG: no chart library, nothing for the browser to fetch, and
they print. Every label is escaped; the numbers come straight from ``stats``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from safecity.map.stats import GroupStats, ResponseTimes

WIDTH = 640
LABEL_WIDTH = 170
VALUE_WIDTH = 130
ROW = 24
BAR = 11
TOP = 28
MAX_ROWS = 15


def duration_text(seconds: float | None) -> str:
    """m:ss, or h:mm:ss from an hour; "—" for no value."""
    if seconds is None:
        return "—"
    total = round(seconds)
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


@dataclass(frozen=True)
class Bar:
    value: float | None
    css: str
    text: str


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    title: str,
    rows: list[tuple[str, list[Bar]]],
    *,
    scale_max: float,
    legend: list[tuple[str, str]],
    target: tuple[float, str] | None = None,
) -> SafeString:
    """Horizontal bars, one group of bars per row, all on one scale from 0 to ``scale_max``.
    ``target``: a dashed vertical line at that value with its label."""
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    per_row = max(ROW, BAR * max((len(bars) for _label, bars in rows), default=1) + 8)
    height = TOP + per_row * max(len(rows), 1) + 8
    scale_max = scale_max if scale_max > 0 else 1.0
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    x = LABEL_WIDTH
    for css, text in legend:
        parts.append(f'<rect class="{css}" x="{x}" y="6" width="10" height="10"/>')
        parts.append(f'<text class="legend" x="{x + 14}" y="15">{escape(text)}</text>')
        x += 24 + 7 * len(text)
    for index, (label, bars) in enumerate(rows):
        y = TOP + index * per_row
        middle = y + per_row / 2
        parts.append(
            f'<text class="label" x="{LABEL_WIDTH - 6}" y="{middle + 4:.1f}" '
            f'text-anchor="end"><title>{escape(label)}</title>{escape(_short(label))}</text>'
        )
        first = y + (per_row - BAR * len(bars)) / 2
        for number, bar in enumerate(bars):
            top = first + number * BAR
            if bar.value is None:  # nothing recorded: say so rather than draw a zero
                parts.append(
                    f'<text class="value" x="{LABEL_WIDTH + 4}" y="{top + BAR - 1:.1f}">'
                    f"{escape(bar.text)}</text>"
                )
                continue
            width = max(0.0, min(bar.value / scale_max, 1.0)) * plot
            parts.append(
                f'<rect class="{bar.css}" x="{LABEL_WIDTH}" y="{top:.1f}" '
                f'width="{width:.1f}" height="{BAR - 1}"><title>{escape(bar.text)}</title></rect>'
            )
            parts.append(
                f'<text class="value" x="{LABEL_WIDTH + width + 4:.1f}" '
                f'y="{top + BAR - 1:.1f}">{escape(bar.text)}</text>'
            )
    if target is not None:
        value, text = target
        tx = LABEL_WIDTH + min(value / scale_max, 1.0) * plot
        parts.append(
            f'<line class="target" x1="{tx:.1f}" y1="{TOP - 6}" x2="{tx:.1f}" '
            f'y2="{height - 4}"/><text class="legend" x="{tx + 3:.1f}" y="{TOP - 8}">'
            f"{escape(text)}</text>"
        )
    if not rows:
        parts.append(
            f'<text class="legend" x="{LABEL_WIDTH}" y="{TOP + 14}">'
            f"{escape(_('No incidents in this period.'))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above went through escape()


def _time_rows(groups: list[GroupStats], measure: str) -> list[tuple[str, list[Bar]]]:
    rows = []
    for group in groups[:MAX_ROWS]:
        m = getattr(group, measure)
        rows.append(
            (
                group.label,
                [
                    Bar(m.p50, "p50", f"p50 {duration_text(m.p50)}"),
                    Bar(m.p90, "p90", f"p90 {duration_text(m.p90)} (n={m.n})"),
                ],
            )
        )
    return rows


def times_chart(title: str, groups: list[GroupStats], measure: str) -> SafeString:
    """p50 and p90 of one measure (``acknowledge``, ``dispatch``, ``on_scene``) per group."""
    rows = _time_rows(groups, measure)
    values = [b.value for _label, bars in rows for b in bars if b.value is not None]
    return bar_chart(
        title,
        rows,
        scale_max=max(values, default=1.0),
        legend=[("p50", _("median (p50)")), ("p90", "p90")],
    )


def share_chart(title: str, groups: list[GroupStats], target_seconds: int) -> SafeString:
    """Share of dispatched incidents processed within the target, per group, against 90 %."""
    rows = []
    for group in groups[:MAX_ROWS]:
        share = group.share_within_target
        css = "share-ok" if group.meets_target else "share-low"
        text = (
            "—"
            if share is None
            else f"{share * 100:.0f}% ({group.within_target}/{group.dispatched})"
        )
        rows.append((group.label, [Bar(None if share is None else share * 100, css, text)]))
    return bar_chart(
        title,
        rows,
        scale_max=100.0,
        legend=[
            ("share-ok", _("meets the target")),
            ("share-low", _("below the target")),
        ],
        target=(90.0, _("90% target")),
    )


def charts_for(result: ResponseTimes) -> list[dict[str, Any]]:
    """The statistics page's charts: each a title (shown above it) and its SVG."""
    seconds = result.target_seconds
    charts = [
        (
            _("Processed within %(s)s s, by ward") % {"s": seconds},
            lambda title: share_chart(title, result.by_ward, seconds),
        ),
        (
            _("Time to dispatch, by category"),
            lambda title: times_chart(title, result.by_category, "dispatch"),
        ),
        (
            _("Time to first unit on scene, by category"),
            lambda title: times_chart(title, result.by_category, "on_scene"),
        ),
        (
            _("Time to acknowledge, by category"),
            lambda title: times_chart(title, result.by_category, "acknowledge"),
        ),
    ]
    return [{"title": title, "svg": draw(title)} for title, draw in charts]
