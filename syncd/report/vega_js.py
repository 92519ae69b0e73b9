"""The Vega, Vega-Lite and Vega-Embed libraries as one script to inline in a page.

Bundled by ``vl-convert`` from the copies its wheel ships, so a report opens offline and the
page fetches nothing when viewed. Built once per process (it takes about a second).
"""

from __future__ import annotations

from functools import cache

import vl_convert

#: Make the libraries globals for the page's own script.
_EXPOSE = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"


@cache
def vega_bundle() -> str:
    """The libraries as a classic script setting ``window.vegaEmbed``, safe inside <script>."""
    # A literal "</script" inside the code would end the element early.
    return str(vl_convert.javascript_bundle(_EXPOSE)).replace("</script", "<\\/script")
