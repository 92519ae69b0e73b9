"""The daemon's Prometheus counters and histograms, fed once per pass and by every CRM answer.

Each daemon has its own ``CollectorRegistry`` (tests run many daemons in one process). Labels are
of low cardinality only: source and CRM names from the config, outcome and state classes, route
templates; never a contact, task, owner or response id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram

from syncd.edge.traffic import Exchange

#: Minutes to a month: first touch within the hour, SLAs of one to a few business days.
DURATION_BUCKETS = (
    60.0,
    300.0,
    900.0,
    3600.0,
    4 * 3600.0,
    8 * 3600.0,
    86400.0,
    2 * 86400.0,
    3 * 86400.0,
    7 * 86400.0,
    14 * 86400.0,
    30 * 86400.0,
)


class DaemonMetrics:
    """Counters and histograms of one daemon, in its own registry."""

    def __init__(self, crm: str, registry: CollectorRegistry | None = None) -> None:
        self.crm = crm
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.polled = Counter(
            "syncd_answers_polled", "Answers read from a survey source.", ["source"], registry=r
        )
        self.planned = Counter(
            "syncd_answers_planned", "Answers turned into CRM actions.", ["source"], registry=r
        )
        self.quarantined = Counter(
            "syncd_answers_quarantined",
            "Answers set aside with a reason an admin can list and replay.",
            ["source", "stage"],
            registry=r,
        )
        self.skipped = Counter(
            "syncd_answers_skipped",
            "Items a source deliberately did not take (another survey type).",
            ["source"],
            registry=r,
        )
        self.requests = Counter(
            "syncd_crm_requests",
            "HTTP requests to the CRM by route template and outcome (2xx, 4xx, 429, 5xx, network).",
            ["crm", "endpoint", "outcome"],
            registry=r,
        )
        self.contacts_updated = _per_crm(r, "syncd_contacts_updated", "Contacts written.")
        self.tasks_created = _per_crm(r, "syncd_tasks_created", "Follow-up tasks created.")
        self.tasks_updated = _per_crm(r, "syncd_tasks_updated", "Follow-up tasks updated.")
        self.loops_marked = _per_crm(
            r, "syncd_loops_marked", "Loop-closed times written onto contacts (set or cleared)."
        )
        self.setbacks = Counter(
            "syncd_actions_not_delivered",
            "Delivery attempts that did not succeed: retry, dead_letter, quarantined, held.",
            ["crm", "outcome"],
            registry=r,
        )
        self.loops_closed = _per_crm(r, "syncd_loops_closed", "Follow-up tasks completed.")
        self.sla_breaches = _per_crm(
            r, "syncd_sla_breaches", "Follow-up tasks completed after their due time."
        )
        self.stage_failures = Counter(
            "syncd_stage_failures",
            "Stage runs that failed (stage: poll:<source>, plan, deliver, track).",
            ["stage"],
            registry=r,
        )
        self.passes = Counter("syncd_passes", "Passes of the daemon loop started.", registry=r)
        self.time_to_task = Histogram(
            "syncd_time_to_task_seconds",
            "From the answer to its follow-up task in the CRM.",
            ["crm"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.time_to_close = Histogram(
            "syncd_time_to_close_seconds",
            "From the answer to its follow-up task being completed.",
            ["crm"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )

    def observe_exchange(self, exchange: Exchange) -> None:
        """One CRM answer (or its absence): the ``Traffic`` observer."""
        self.requests.labels(self.crm, exchange.endpoint, exchange.outcome).inc()

    def count_by_source(self, counter: Counter, counts: Mapping[str, int], *extra: str) -> None:
        """Add per-source counts to ``counter`` (labelled source, then ``extra``)."""
        for source, count in counts.items():
            if count:
                counter.labels(source, *extra).inc(count)

    def observe_seconds(self, histogram: Histogram, values: Iterable[float]) -> None:
        """Observe each duration (negative ones, from clock skew, count as zero)."""
        child = histogram.labels(self.crm)
        for value in values:
            child.observe(max(0.0, value))


def _per_crm(registry: CollectorRegistry, name: str, documentation: str) -> Counter:
    return Counter(name, documentation, ["crm"], registry=registry)
