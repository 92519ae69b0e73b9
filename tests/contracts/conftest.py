"""Fixtures of the contract suites: one adapter per registered connector kind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contracts.adapters import (
    CrmAdapter,
    SourceAdapter,
    crm_adapter,
    crm_kinds,
    source_adapter,
    source_kinds,
)


@pytest.fixture(params=source_kinds())
def source_kit(request: pytest.FixtureRequest) -> Iterator[SourceAdapter]:
    with source_adapter(str(request.param)) as adapter:
        yield adapter


@pytest.fixture(params=crm_kinds())
def crm_kit(request: pytest.FixtureRequest) -> Iterator[CrmAdapter]:
    with crm_adapter(str(request.param)) as adapter:
        yield adapter
