"""Per-item outcomes of a batch response, matched by reference rather than by position."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from connectors.crm.hubspot.records import BatchResult, ItemError, Record
from syncd.errors import ContactNotFound, CrmOutcomeUnknown, CrmRejected, SyncdError

T = TypeVar("T")

NOT_FOUND = "OBJECT_NOT_FOUND"


def match(
    items: Sequence[T],
    result: BatchResult,
    *,
    key: Callable[[T], str],
    ref: Callable[[T], str],
    record_refs: Callable[[Record], Iterable[str | None]],
    error_for: Callable[[ItemError], SyncdError],
) -> dict[str, str | SyncdError]:
    """The record id or error for each item, found through ``ref(item)``.

    An item that neither a result nor an error names gets ``CrmOutcomeUnknown``: HubSpot said
    nothing certain about it, and guessing which anonymous error is its own could dead-letter
    good work.
    """
    ids = _ids_by_ref(result, record_refs)
    # reversed: the first error naming an item wins, as for results
    errors = {name: error_for(e) for e in reversed(result.errors) for name in e.refs}
    unnamed = "; ".join(e.message for e in result.errors if not e.refs)
    return {
        key(item): ids.get(ref(item)) or errors.get(ref(item)) or _unknown(key(item), unnamed)
        for item in items
    }


def _ids_by_ref(
    result: BatchResult, record_refs: Callable[[Record], Iterable[str | None]]
) -> dict[str, str]:
    ids: dict[str, str] = {}
    for record in result.results:
        for reference in record_refs(record):
            if reference:
                ids.setdefault(reference, record.id)
    return ids


def match_links(
    links: Mapping[str, tuple[str, str]], result: BatchResult
) -> dict[str, str | SyncdError]:
    """Per key of ``links`` (key -> (task id, contact id)): the task id once it is linked.

    HubSpot names a failed association by the record it could not find, which may be either
    side, so an error naming the task or the contact is that item's.
    """
    linked = {record.id for record in result.results}
    errors = {ref: task_error(e) for e in reversed(result.errors) for ref in e.refs}
    unnamed = "; ".join(e.message for e in result.errors if not e.refs)
    return {
        key: task_id
        if task_id in linked
        else errors.get(task_id) or errors.get(contact_id) or _unknown(key, unnamed)
        for key, (task_id, contact_id) in links.items()
    }


def contact_error(error: ItemError) -> SyncdError:
    """``OBJECT_NOT_FOUND`` means the contact is gone (quarantine); other errors are rejections."""
    message = _describe(error)
    return ContactNotFound(message) if error.category == NOT_FOUND else CrmRejected(message)


def task_error(error: ItemError) -> SyncdError:
    """Any per-task error is a rejection: retrying the same write cannot help."""
    return CrmRejected(_describe(error))


def _describe(error: ItemError) -> str:
    return f"HubSpot {error.category or 'error'}: {error.message}"


def _unknown(key: str, unnamed: str) -> CrmOutcomeUnknown:
    detail = f" (unattributed errors: {unnamed})" if unnamed else ""
    return CrmOutcomeUnknown(f"HubSpot returned no result for {key}{detail}")
