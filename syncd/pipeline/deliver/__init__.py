"""Deliver: claim due outbox actions, call the CRM in batches, record what happened.

Claims are committed before the CRM is called, so a crash at any instant leaves either a pending
row or an in-flight row whose lease expires, and that row is simply sent again: the CRM port's
``create_tasks`` is idempotent on the action's key. That is what makes the effect exactly once.
"""

from syncd.pipeline.deliver.run import Deliverer, DeliverResult

__all__ = ["DeliverResult", "Deliverer"]
