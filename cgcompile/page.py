"""One self-contained HTML page and its markdown twin, for `report` and `impact`.

A page is a title and sections; a section has a heading, an optional chart
(inline SVG from charts.py), an optional table and a note.  The page's only
script checks, once loaded, that every chart drew its marks, and says so on the
page and in the console, so a broken chart is seen by whoever opens the page
and by the browser test.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import jinja2
from markupsafe import Markup


@dataclass(frozen=True)
class Section:
    title: str
    chart: str = ""  # inline SVG
    headers: tuple[str, ...] = ()
    rows: tuple[tuple, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Page:
    title: str
    subtitle: str
    sections: tuple[Section, ...] = field(default_factory=tuple)


TEMPLATE = jinja2.Environment(autoescape=True).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ page.title }}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1d2733; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } .sub { color: #5a6776; margin-top: 0; }
section { border-top: 1px solid #dde3ea; padding: .6rem 0 1rem; }
h2 { font-size: 1.1rem; } figure { margin: .4rem 0; } figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 13px; } td, th { padding: .2rem .7rem; border-bottom: 1px solid #eef1f4; text-align: right; }
td:first-child, th:first-child { text-align: left; } .note { color: #5a6776; font-size: 13px; }
#selfcheck { font-size: 12px; color: #5a6776; }
</style></head>
<body>
<h1>{{ page.title }}</h1>
<p class="sub">{{ page.subtitle }}</p>
{% for s in page.sections %}
<section>
<h2>{{ s.title }}</h2>
{% if s.chart %}<figure class="chart" data-title="{{ s.title }}">{{ s.chart | safe }}</figure>{% endif %}
{% if s.rows %}<table><thead><tr>{% for h in s.headers %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>{% for r in s.rows %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>{% endif %}
{% if s.note %}<p class="note">{{ s.note }}</p>{% endif %}
</section>
{% endfor %}
<p id="selfcheck"></p>
<script>
window.addEventListener("load", function () {
  var charts = document.querySelectorAll("figure.chart"), empty = [];
  charts.forEach(function (f) {
    var drawn = 0;
    f.querySelectorAll('[id^="mark-"]').forEach(function (m) {
      var b = m.getBBox(); if (b.width > 0 || b.height > 0) drawn += 1;
    });
    f.dataset.marks = drawn;
    if (drawn === 0) empty.push(f.dataset.title);
  });
  document.body.dataset.charts = charts.length;
  document.body.dataset.empty = empty.length;
  document.getElementById("selfcheck").textContent = charts.length + " charts, "
    + (empty.length ? "without marks: " + empty.join(", ") : "all drawn");
  if (empty.length) console.error("charts without marks: " + empty.join(", "));
});
</script>
</body></html>
""")


def html(page: Page) -> str:
    sections = [s if not s.chart else Section(s.title, Markup(s.chart), s.headers, s.rows, s.note) for s in page.sections]
    return TEMPLATE.render(page=Page(page.title, page.subtitle, tuple(sections)))


def _cell(value) -> str:
    return str(value).replace("|", "\\|")


def markdown(page: Page) -> str:
    lines = [f"# {page.title}", "", page.subtitle, ""]
    for s in page.sections:
        lines += [f"## {s.title}", ""]
        if s.rows:
            lines.append("| " + " | ".join(map(_cell, s.headers)) + " |")
            lines.append("| " + " | ".join("---" if i == 0 else "---:" for i in range(len(s.headers))) + " |")
            lines += ["| " + " | ".join(map(_cell, r)) + " |" for r in s.rows]
            lines.append("")
        if s.note:
            lines += [s.note, ""]
    return "\n".join(lines)
