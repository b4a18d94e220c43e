"""The dashboard as ONE self-contained HTML file: plotly.js inlined once, no fetch at view time.

Works from the disk (file://) and from S3 static hosting alike: nothing is loaded from anywhere
else. Plotly gives the tooltips, zoom/pan and legend toggles; the few lines of script at the end
add the page-wide album-type filter and date range (they act on every chart through
``Plotly.restyle``/``Plotly.relayout``). The output depends only on the trend tables, so a rerun
over the same history writes the same bytes.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from spotify_assets.analytics.fonts import CSS_FONT_STACK
from spotify_assets.dashboard.data import DashboardData, load_dashboard_data
from spotify_assets.dashboard.figures import Chart, album_types, charts, label_note

if TYPE_CHECKING:
    import duckdb

TITLE = "Spotify new releases — trends"
DASHBOARD_KEY = "dashboard/index.html"  # below the lake's root or prefix (index.html: S3 static hosting's default)
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": False}


@dataclass(frozen=True)
class Dashboard:
    html: str
    charts: list[Chart]
    data: DashboardData
    label_note: str  # shown instead of / under the label chart ("" = none)

    @property
    def days(self) -> list[date]:
        return self.data.days


def build_dashboard(conn: duckdb.DuckDBPyConnection) -> Dashboard:
    """Read the trend tables and render the page."""
    return make_dashboard(load_dashboard_data(conn))


def make_dashboard(data: DashboardData) -> Dashboard:
    """Render already loaded data (no database needed: callers can release the warehouse first)."""
    drawn = charts(data)
    return Dashboard(html=render(data, drawn), charts=drawn, data=data, label_note=label_note(data))


def render(data: DashboardData, drawn: list[Chart]) -> str:
    import plotly.io as pio

    sections = []
    for i, chart in enumerate(drawn):
        figure_html = pio.to_html(
            chart.figure,
            config=PLOTLY_CONFIG,
            include_plotlyjs=i == 0,  # the whole plotly.js bundle, inlined once
            full_html=False,
            div_id=chart.div_id,
            default_height=f"{chart.figure.layout.height}px",
        )
        note = f'<p class="note">{html.escape(chart.note)}</p>' if chart.note else ""
        sections.append(
            f'<section class="chart" id="chart-{chart.div_id}" data-time-axis="{str(chart.time_axis).lower()}">'
            f"<h2>{html.escape(chart.title)}</h2>{figure_html}{note}</section>"
        )
    if not data.label_share:
        sections.append(
            f'<section class="chart missing" id="chart-label-share"><h2>Label share</h2>'
            f'<p class="note" id="label-share-note">{html.escape(label_note(data))}</p></section>'
        )
    return _PAGE.format(
        title=html.escape(TITLE),
        fonts=CSS_FONT_STACK,
        summary=_summary(data),
        controls=_controls(data),
        sections="\n".join(sections),
        script=_SCRIPT,
    )


def _summary(data: DashboardData) -> str:
    if not data.days:
        return '<p id="history">No day has been built yet: run the daily job first.</p>'
    return (
        f'<p id="history"><span id="history-days">{len(data.days)}</span> days of history, '
        f'<time id="history-first">{data.first_day}</time> to <time id="history-last">{data.last_day}</time>.</p>'
    )


def _controls(data: DashboardData) -> str:
    types = album_types(data.releases_per_week + data.album_sizes)
    boxes = "".join(
        f'<label><input type="checkbox" name="album-type" value="{html.escape(t)}" checked> {html.escape(t)}</label>'
        for t in types
    )
    first, last = data.first_day or "", data.last_day or ""
    return (
        f'<fieldset id="album-type-filter"><legend>Album type</legend>{boxes}</fieldset>'
        f'<fieldset id="date-range"><legend>Dates</legend>'
        f'<label>from <input type="date" id="date-from" value="{first}" min="{first}" max="{last}"></label> '
        f'<label>to <input type="date" id="date-to" value="{last}" min="{first}" max="{last}"></label> '
        f'<button type="button" id="date-reset">whole history</button></fieldset>'
    )


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ font-family: {fonts}; margin: 0 auto; max-width: 1200px; padding: 16px 24px; color: #191414; }}
  h1 {{ font-size: 1.5rem; margin: 0 0 4px; }}
  h2 {{ font-size: 1.1rem; margin: 24px 0 4px; }}
  #controls {{ display: flex; gap: 16px; flex-wrap: wrap; position: sticky; top: 0; background: #fff;
              padding: 8px 0; z-index: 10; border-bottom: 1px solid #e6e6e6; }}
  fieldset {{ border: 1px solid #ccc; border-radius: 6px; }}
  fieldset label {{ margin-right: 12px; }}
  input, button {{ font: inherit; }}
  .note {{ background: #fff8e1; border-left: 4px solid #f5a623; padding: 8px 12px; }}
</style>
</head>
<body>
<h1>{title}</h1>
{summary}
<div id="controls">{controls}</div>
{sections}
<script>{script}</script>
</body>
</html>
"""

# Page-wide controls. Traces of one album type carry meta.album_type; "all" (overall) traces stay.
_SCRIPT = """
(function () {
  var DAY_MS = 86400000;
  var charts = Array.prototype.slice.call(document.querySelectorAll('.chart .plotly-graph-div'));
  var timeCharts = charts.filter(function (gd) {
    return gd.closest('.chart').getAttribute('data-time-axis') === 'true';
  });
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name="album-type"]'));
  var from = document.getElementById('date-from'), to = document.getElementById('date-to');
  function chosenTypes() {
    var chosen = {};
    boxes.forEach(function (box) { if (box.checked) { chosen[box.value] = true; } });
    return chosen;
  }
  function applyTypes() {
    var chosen = chosenTypes();
    charts.forEach(function (gd) {
      if (!gd.data) { return; }
      var visible = gd.data.map(function (trace) {
        var type = trace.meta && trace.meta.album_type;
        return !type || type === 'all' || chosen[type] === true;
      });
      Plotly.restyle(gd, {visible: visible});
    });
  }
  function nextDay(isoDay) {
    return new Date(Date.parse(isoDay + 'T00:00:00Z') + DAY_MS).toISOString().slice(0, 10);
  }
  function applyRange() {
    if (!from.value || !to.value || from.value > to.value) { return; }
    var range = [from.value, nextDay(to.value)];
    timeCharts.forEach(function (gd) { Plotly.relayout(gd, {'xaxis.range': range}); });
  }
  function reset() {
    from.value = from.min; to.value = to.max;
    timeCharts.forEach(function (gd) { Plotly.relayout(gd, {'xaxis.autorange': true}); });
  }
  boxes.forEach(function (box) { box.addEventListener('change', applyTypes); });
  from.addEventListener('change', applyRange);
  to.addEventListener('change', applyRange);
  document.getElementById('date-reset').addEventListener('click', reset);
})();
"""
