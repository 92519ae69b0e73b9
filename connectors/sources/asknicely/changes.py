"""Telling a changed AskNicely answer from one seen before, without an update timestamp.

AskNicely rows have no ``updated_at`` and the listing no "updated since" filter (survey API facts
§2), yet a score can change and a comment arrive later. Each pass re-reads a lookback window; the
ledger remembers a digest of (score, comment) per response and its version. Unchanged content
keeps its version, so a re-read brings nothing new; changed content gets a version above both the
previous one and any earlier process could have given (twice the detection second, plus one).

The ledger lives in memory. After a restart the first sighting falls back to ``base_version``,
which still raises the version for a comment added to a bare score; any other edit made while
the daemon was down is seen only when it changes again (or through the webhook).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, replace
from datetime import datetime

from syncd.model import SurveyResponse


@dataclass(frozen=True, slots=True)
class _Seen:
    digest: bytes
    version: int
    answered_at: datetime


class ChangeLedger:
    """Versions of the responses read within the lookback window, by response id."""

    def __init__(self) -> None:
        self._seen: dict[str, _Seen] = {}
        self._lock = threading.Lock()  # polling and webhook intake may share one source

    def versioned(
        self, response: SurveyResponse, now: datetime, *, changed: bool = False
    ) -> SurveyResponse:
        """``response`` with the version its content earns; ``changed`` says the vendor
        itself reported a change (a webhook ``count`` above 1) of a response not seen yet."""
        digest = _digest(response)
        detected = int(now.timestamp()) * 2 + 1
        with self._lock:
            seen = self._seen.get(response.response_id)
            if seen is not None and seen.digest == digest:
                version = seen.version
            elif seen is not None:
                version = max(seen.version + 1, detected, response.version)
            else:
                version = max(detected, response.version) if changed else response.version
            self._seen[response.response_id] = _Seen(digest, version, response.submitted_at)
        if version == response.version:
            return response
        return replace(response, version=version, updated_at=max(now, response.updated_at))

    def forget_before(self, moment: datetime) -> None:
        """Drop what was answered before ``moment``: it is outside every later re-read."""
        with self._lock:
            old = [key for key, seen in self._seen.items() if seen.answered_at < moment]
            for key in old:
                del self._seen[key]

    def __len__(self) -> int:
        return len(self._seen)


def _digest(response: SurveyResponse) -> bytes:
    text = f"{response.score}\x1f{response.comment or ''}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
