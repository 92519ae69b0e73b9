"""Webhook intake counts as Prometheus counters, read from the intake's own tallies at scrape."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from syncd.intake.stats import WebhookStats


class WebhookCollector(Collector):
    """``syncd_webhook_deliveries_total{source,outcome}`` (forged or unsigned deliveries are
    ``outcome="unauthorized"``) and ``syncd_webhook_answers_total{source,result}``."""

    def __init__(self, stats: WebhookStats) -> None:
        self._stats = stats

    def collect(self) -> Iterator[CounterMetricFamily]:
        """The current counts."""
        deliveries = CounterMetricFamily(
            "syncd_webhook_deliveries",
            "Webhook deliveries by source and outcome (unknown sources under one label).",
            labels=["source", "outcome"],
        )
        for (source, outcome), count in sorted(self._stats.deliveries().items()):
            deliveries.add_metric([source, str(outcome)], count)
        yield deliveries
        answers = CounterMetricFamily(
            "syncd_webhook_answers",
            "Answers in accepted webhook deliveries: stored, unchanged or quarantined.",
            labels=["source", "result"],
        )
        for (source, result), count in sorted(self._stats.answer_counts().items()):
            answers.add_metric([source, result], count)
        yield answers
