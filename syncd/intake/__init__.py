"""Answers that reach syncd without a poll: webhook deliveries, CSV imports and backfills.

Each lands in the same inbox, dedupe and quarantine as polling (``keep_page``), so an answer seen
several ways is processed once. The modules are imported one by one (this package imports none
of them), so a connector can use ``syncd.intake.mapping`` without loading the store.
"""
