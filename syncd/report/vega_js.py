"""The Vega, Vega-Lite and Vega-Embed libraries as one script to inline in a page.

Bundled by ``vl-convert`` from the copies its wheel ships, so a report opens offline and the
page fetches nothing when viewed. Bundling starts a JavaScript runtime that keeps about 130 MB
once loaded, so it runs in a short-lived child process: a daemon serving the dashboard keeps
only the script (about 0.9 MB), built once per process.
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache

#: Make the libraries globals for the page's own script.
_EXPOSE = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
_BUNDLE = f"import sys, vl_convert; sys.stdout.write(vl_convert.javascript_bundle({_EXPOSE!r}))"


class BundleUnavailable(RuntimeError):
    """The chart libraries could not be bundled (``vl-convert-python`` missing or failing)."""


@cache
def vega_bundle() -> str:
    """The libraries as a classic script setting ``window.vegaEmbed``, safe inside <script>."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _BUNDLE],
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        raise BundleUnavailable(f"cannot bundle the chart libraries: {detail[-300:]}") from None
    # A literal "</script" inside the code would end the element early.
    return done.stdout.replace("</script", "<\\/script")
