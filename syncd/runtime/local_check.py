"""``syncd check --local``: what a container HEALTHCHECK asks every 30 s, cheaply.

The full ``syncd check`` calls every source and the CRM (credentials, scopes, owners): run every
30 s by every replica it would spend the CRM's daily allowance, and an outage of a vendor would
mark healthy containers unhealthy and have them restarted for nothing. The local check asks only
what a restart can fix: the store reachable at the newest schema, and this process's loop alive,
as its own HTTP ``/healthz`` says.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from syncd.model import CheckResult
from syncd.runtime.check import check_store

#: The daemon's HTTP port unless ``[http] port`` says otherwise.
DEFAULT_HTTP_PORT = 8080
_TIMEOUT_SECONDS = 5


def healthz_url(port: int) -> str:
    """Where this container's daemon answers its liveness probe."""
    return f"http://127.0.0.1:{port}/healthz"


def run_local_checks(database_url: str, liveness_url: str) -> list[CheckResult]:
    """The store, then the daemon's own liveness answer; none raises."""
    return [check_store(database_url), check_liveness(liveness_url)]


def check_liveness(url: str) -> CheckResult:
    """The daemon answers 2xx on its liveness URL within a few seconds."""
    name = "daemon loop"
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_SECONDS) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        detail = error.read(200).decode("utf-8", "replace").strip()
        return CheckResult(name, False, f"{url} answered {error.code} {detail}".strip())
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return CheckResult(name, False, f"no answer from {url}: {reason}")
    return CheckResult(name, 200 <= status < 300, f"{url} answered {status}")
