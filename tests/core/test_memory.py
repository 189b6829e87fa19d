"""The server's garbage-collector settings come from SAFECITY_GC_YOUNG."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from safecity.core import memory


@pytest.fixture
def collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    frozen = gc.get_freeze_count()
    yield
    gc.set_threshold(*threshold)
    if not frozen:
        gc.unfreeze()


def test_settle_sets_the_young_generation_s_threshold_and_freezes_what_is_loaded(
    collector: None, settings: Any
) -> None:
    settings.GC_YOUNG = 4321
    older = gc.get_threshold()[1:]
    loaded = [[n] for n in range(100)]  # objects the collector tracks, alive while settle runs
    frozen = gc.get_freeze_count()

    memory.settle()

    assert gc.get_threshold() == (4321, *older)
    assert gc.get_freeze_count() >= frozen + len(loaded)
