"""``syncd report``: how fast the loop gets closed, computed from the store and rendered.

``build_report`` reads the store once into a frozen ``Report``; the renderers turn it into
terminal text, JSON, CSV or a self-contained HTML page. The HTML renderer (and the charting
library under it) loads on first use, so text and CSV reports stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from syncd.report.formats import render_csv, render_json
from syncd.report.query import Report, build_report
from syncd.report.text import render_text

if TYPE_CHECKING:
    from syncd.report.html import render_html

__all__ = ["Report", "build_report", "render_csv", "render_html", "render_json", "render_text"]


def __getattr__(name: str) -> Any:
    if name == "render_html":
        from syncd.report.html import render_html

        return render_html
    raise AttributeError(name)
