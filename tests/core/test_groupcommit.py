"""Group commit: senders that arrive while a group is being stored are stored together, the
limit holds, and a failure reaches every sender of its group and no other."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from safecity.core.groupcommit import GroupCommit


class Store:
    """A ``store`` whose first call waits until released, so that others can queue behind."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.groups: list[list[str]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, items: list[str]) -> None:
        first = not self.groups
        self.groups.append(list(items))
        if first:
            self.started.set()
            assert self.release.wait(10)
        if self.fail_on in items:
            raise RuntimeError(f"cannot store {self.fail_on}")


def _run(queue: GroupCommit[str], items: list[str], errors: dict[str, str]) -> threading.Thread:
    def send(item: str) -> None:
        try:
            queue.submit(item)
        except RuntimeError as exc:
            errors[item] = str(exc)

    def all_of_them() -> None:
        threads = [threading.Thread(target=send, args=(i,)) for i in items]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)

    thread = threading.Thread(target=all_of_them)
    thread.start()
    return thread


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def _hold_first(
    queue: GroupCommit[str], store: Store, then: list[str], errors: dict[str, str]
) -> None:
    """Send "first", hold its store, queue ``then`` behind it, release, wait for all."""
    first = _run(queue, ["first"], errors)
    assert store.started.wait(10)
    rest = _run(queue, then, errors)
    _until(lambda: len(queue._waiting) == len(then))  # noqa: SLF001 - all queued up
    store.release.set()
    first.join(10)
    rest.join(10)
    assert not first.is_alive() and not rest.is_alive()


def test_senders_that_arrive_while_one_is_stored_are_stored_as_one_group() -> None:
    store = Store()
    queue: GroupCommit[str] = GroupCommit(store, limit=lambda: 100)
    errors: dict[str, str] = {}

    _hold_first(queue, store, ["a", "b", "c", "d"], errors)

    assert store.groups[0] == ["first"]
    assert len(store.groups) == 2
    assert sorted(store.groups[1]) == ["a", "b", "c", "d"]
    assert errors == {}
    queue.submit("later")  # nothing being stored: stored at once, alone
    assert store.groups[-1] == ["later"]


@pytest.mark.parametrize(("limit", "sizes"), [(2, [1, 2, 2, 1]), (1, [1, 1, 1, 1, 1, 1])])
def test_a_group_holds_no_more_than_the_limit(limit: int, sizes: list[int]) -> None:
    store = Store()
    queue: GroupCommit[str] = GroupCommit(store, limit=lambda: limit)

    _hold_first(queue, store, ["a", "b", "c", "d", "e"], {})

    assert [len(g) for g in store.groups] == sizes
    assert sorted(i for g in store.groups for i in g) == ["a", "b", "c", "d", "e", "first"]


def test_weights_count_towards_the_limit_and_a_heavy_item_still_goes_alone() -> None:
    store = Store()
    weights = {"first": 1, "a": 3, "b": 3, "c": 9, "d": 1}
    queue: GroupCommit[str] = GroupCommit(store, limit=lambda: 6, weight=weights.__getitem__)

    _hold_first(queue, store, ["a", "b", "c", "d"], {})

    later = store.groups[1:]
    assert all(sum(weights[i] for i in g) <= 6 or len(g) == 1 for g in later)
    assert ["c"] in later
    assert sorted(i for g in later for i in g) == ["a", "b", "c", "d"]


def test_a_failure_is_raised_in_every_sender_of_its_group_and_no_other() -> None:
    store = Store(fail_on="b")
    queue: GroupCommit[str] = GroupCommit(store, limit=lambda: 2)
    errors: dict[str, str] = {}

    _hold_first(queue, store, ["a", "b", "c", "d"], errors)

    failed = next(g for g in store.groups if "b" in g)
    assert set(errors) == set(failed)
    assert all(message == "cannot store b" for message in errors.values())
    assert "first" not in errors and len(errors) < 4
