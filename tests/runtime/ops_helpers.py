"""Reading a daemon's HTTP port in tests: GET a path, parse the Prometheus text."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from prometheus_client.parser import text_string_to_metric_families


def get(port: int, path: str) -> tuple[int, bytes, str]:
    """Status, body and content type of ``GET path`` on 127.0.0.1."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
            return answer.status, answer.read(), answer.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers["Content-Type"]


def get_json(port: int, path: str) -> tuple[int, Any]:
    """Status and decoded JSON body of ``GET path``."""
    status, body, _ = get(port, path)
    return status, json.loads(body)


class Scrape:
    """One scrape of ``/metrics``: families by name, samples by name and labels."""

    def __init__(self, text: str) -> None:
        self.types: dict[str, str] = {}
        self.samples: list[tuple[str, dict[str, str], float]] = []
        for family in text_string_to_metric_families(text):
            self.types[family.name] = family.type
            for sample in family.samples:
                self.samples.append((sample.name, dict(sample.labels), sample.value))

    @classmethod
    def of(cls, port: int) -> Scrape:
        """Scrape the daemon on ``port``."""
        status, body, _ = get(port, "/metrics")
        assert status == 200
        return cls(body.decode())

    def value(self, name: str, **labels: str) -> float:
        """The sum of the samples of ``name`` whose labels include ``labels``."""
        return sum(
            value
            for sample, have, value in self.samples
            if sample == name and all(have.get(k) == v for k, v in labels.items())
        )

    def labels(self, name: str) -> list[dict[str, str]]:
        """The label sets of every sample of ``name``."""
        return [have for sample, have, _ in self.samples if sample == name]
