"""``core.periodic.Every``: a ticker's once-a-day work runs at the first tick, then once per
period, and one caller takes each turn."""

from __future__ import annotations

import threading

import pytest

from safecity.core import periodic
from safecity.core.periodic import Every


def test_the_first_call_is_due_and_the_next_only_after_the_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(periodic.time, "monotonic", lambda: clock[0])
    turn = Every(60)

    answers = [turn.due(), turn.due()]
    clock[0] += 59.9
    answers.append(turn.due())
    clock[0] += 0.1  # sixty seconds after the turn taken
    answers += [turn.due(), turn.due()]

    assert answers == [True, False, False, True, False]


def test_reset_makes_the_next_call_due(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(periodic.time, "monotonic", lambda: 5.0)
    turn = Every(periodic.DAY_S)
    assert turn.due()
    assert not turn.due()

    turn.reset()

    assert turn.due()


def test_of_threads_asking_at_once_one_takes_the_turn() -> None:
    turn = Every(periodic.DAY_S)
    start = threading.Barrier(8)
    answers: list[bool] = []

    def ask() -> None:
        start.wait()
        answers.append(turn.due())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [False] * 7 + [True]
