"""Batch helpers: chunking, and bisecting a batch that HubSpot rejected as a whole.

One bad input makes HubSpot answer 400 for the whole batch and process nothing, so halving the
batch until the 400s are down to single items isolates the bad ones and lets the rest through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from connectors.crm.hubspot.errors import HubSpotRejected
from syncd.errors import CrmError, SyncdError

T = TypeVar("T")
Outcome = dict[str, "str | SyncdError"]


def is_whole_batch_rejection(error: BaseException) -> bool:
    """True for a 400 on the whole batch: one bad item may be hiding among good ones."""
    return isinstance(error, HubSpotRejected) and error.status == 400


def bisect(
    items: Sequence[T],
    send: Callable[[Sequence[T]], Mapping[str, str | SyncdError]],
    key: Callable[[T], str],
) -> Outcome:
    """Send ``items``; on a whole-batch 400, send each half on its own, recursively.

    Errors of the first, full-size call are raised as they are. Once the batch has been split,
    some items may already have been processed, so a failure of one part is reported for that
    part's items instead of being raised for the whole batch.
    """
    try:
        return dict(send(items))
    except CrmError as error:
        if not is_whole_batch_rejection(error):
            raise
        return _split(items, send, key, error)


def _split(
    items: Sequence[T],
    send: Callable[[Sequence[T]], Mapping[str, str | SyncdError]],
    key: Callable[[T], str],
    error: CrmError,
) -> Outcome:
    if len(items) == 1:
        return {key(items[0]): error}
    middle = len(items) // 2
    outcome = _send_part(items[:middle], send, key)
    outcome.update(_send_part(items[middle:], send, key))
    return outcome


def _send_part(
    items: Sequence[T],
    send: Callable[[Sequence[T]], Mapping[str, str | SyncdError]],
    key: Callable[[T], str],
) -> Outcome:
    try:
        return dict(send(items))
    except CrmError as error:
        if is_whole_batch_rejection(error):
            return _split(items, send, key, error)
        return {key(item): error for item in items}


def distinct_rounds(items: Sequence[T], identity: Callable[[T], str]) -> list[list[T]]:
    """Split ``items`` so no round holds two items for the same record.

    HubSpot rejects a batch that names one record twice; later items go in later rounds so they
    still win, as they would have one at a time.
    """
    rounds: list[list[T]] = []
    seen: dict[str, int] = {}
    for item in items:
        index = seen.get(identity(item), -1) + 1
        seen[identity(item)] = index
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(item)
    return rounds


def send_groups(
    groups: Sequence[Sequence[T]],
    send: Callable[[Sequence[T]], Mapping[str, str | SyncdError]],
    key: Callable[[T], str],
) -> Outcome:
    """Send each group (bisecting on a 400); only the first group's failure is raised.

    After one group went through, raising would tell the caller that nothing happened, so a
    later group's failure is reported for its own items.
    """
    outcome: Outcome = {}
    for index, group in enumerate(groups):
        try:
            outcome.update(bisect(group, send, key))
        except CrmError as error:
            if index == 0:
                raise
            outcome.update({key(item): error for item in group})
    return outcome
