"""``syncd report``: how fast the loop gets closed, computed from the store and rendered.

``build_report`` reads the store once into a frozen ``Report``; the renderers turn it into
terminal text, JSON, CSV or a self-contained HTML page.
"""

from syncd.report.formats import render_csv, render_json
from syncd.report.html import render_html
from syncd.report.query import Report, build_report
from syncd.report.text import render_text

__all__ = ["Report", "build_report", "render_csv", "render_html", "render_json", "render_text"]
