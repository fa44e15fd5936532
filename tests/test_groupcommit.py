"""Group commit: concurrent callers of one key are run together, each gets its own answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence

import pytest

from omnichannel.groupcommit import GroupCommit, outcome


class Recorder:
    """A batch runner that doubles numbers, refuses negative ones, and can be held at the
    start of a batch until released."""

    def __init__(self) -> None:
        self.batches: list[tuple[Hashable, list[int]]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Event()
        self.running = self.most_at_once = 0
        self.lock = threading.Lock()

    def __call__(self, key: Hashable, items: Sequence[int]) -> list[int | Exception]:
        with self.lock:
            self.batches.append((key, list(items)))
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.entered.set()
        assert self.hold.wait(10)
        with self.lock:
            self.running -= 1
        return [ValueError(f"negative: {x}") if x < 0 else 2 * x for x in items]


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.001)


def in_threads(calls: list[Callable[[], object]]) -> tuple[list[threading.Thread], dict]:
    """Start each call in a thread; the dict fills with index → result or raised error."""
    answers: dict[int, object] = {}

    def run(n: int, call: Callable[[], object]) -> None:
        try:
            answers[n] = call()
        except Exception as error:  # noqa: BLE001 - the answer under test
            answers[n] = error

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    return threads, answers


def queued_behind_a_running_batch(
    runner: Recorder, group: GroupCommit, items: Sequence[int]
) -> tuple[object, dict]:
    """Submit 1 to key "shop" and hold its batch while ``items`` are submitted, each from
    a thread of its own; once they all wait, release and let every thread finish. Returns
    the answer for 1 and ``in_threads``'s answers for ``items``."""
    runner.hold.clear()
    first, first_answer = in_threads([lambda: group.submit("shop", 1)])
    assert runner.entered.wait(10)
    later, answers = in_threads([lambda n=n: group.submit("shop", n) for n in items])
    until(lambda: group.waiting("shop") == len(items))

    runner.hold.set()
    for thread in first + later:
        thread.join(10)
    return first_answer[0], answers


def test_a_caller_alone_runs_its_item_at_once_as_a_batch_of_one():
    runner = Recorder()
    group = GroupCommit(runner)

    assert group.submit("shop", 21) == 42
    assert runner.batches == [("shop", [21])]
    assert group.waiting("shop") == 0


def test_callers_arriving_while_a_batch_runs_are_run_together_as_the_next_batch():
    runner = Recorder()
    group = GroupCommit(runner, parallel=1)

    first_answer, answers = queued_behind_a_running_batch(runner, group, (2, 3, 4, 5))

    assert first_answer == 2
    assert answers == {0: 4, 1: 6, 2: 8, 3: 10}
    assert [sorted(items) for _, items in runner.batches] == [[1], [2, 3, 4, 5]]


def test_a_batch_takes_at_most_max_batch_items_and_hands_on_the_rest():
    runner = Recorder()
    group = GroupCommit(runner, max_batch=2, parallel=1)

    _, answers = queued_behind_a_running_batch(runner, group, range(2, 7))

    assert sorted(answers.values()) == [4, 6, 8, 10, 12]
    assert [len(items) for _, items in runner.batches] == [1, 2, 2, 1]


def test_an_items_error_is_raised_in_its_own_callers_thread_only():
    runner = Recorder()
    group = GroupCommit(runner, parallel=1)

    _, answers = queued_behind_a_running_batch(runner, group, (2, -3, 4))

    assert answers[0] == 4 and answers[2] == 8
    assert isinstance(answers[1], ValueError) and str(answers[1]) == "negative: -3"
    assert len(runner.batches) == 2  # the bad item was batched with the others


def test_when_the_runner_itself_fails_every_caller_of_that_batch_gets_the_error():
    def broken(key: Hashable, items: Sequence[int]) -> list[int]:
        raise RuntimeError("database gone")

    group = GroupCommit(broken)

    with pytest.raises(RuntimeError, match="database gone"):
        group.submit("shop", 1)
    assert group.waiting("shop") == 0


def test_a_runner_that_answers_for_the_wrong_number_of_items_fails_its_batch():
    group = GroupCommit(lambda key, items: [])

    with pytest.raises(RuntimeError, match="0 outcomes for 1 items"):
        group.submit("shop", 1)


def test_after_a_failed_batch_the_next_caller_runs_normally():
    calls = []

    def flaky(key: Hashable, items: Sequence[int]) -> list[int]:
        calls.append(list(items))
        if len(calls) == 1:
            raise RuntimeError("once")
        return [x + 1 for x in items]

    group = GroupCommit(flaky)
    with pytest.raises(RuntimeError):
        group.submit("shop", 1)

    assert group.submit("shop", 2) == 3


def test_each_key_has_its_own_line_so_one_busy_key_does_not_hold_up_another():
    runner = Recorder()
    group = GroupCommit(runner, parallel=1)
    runner.hold.clear()
    busy, busy_answer = in_threads([lambda: group.submit("shop-a", 1)])
    assert runner.entered.wait(10)

    free, free_answer = in_threads([lambda: group.submit("shop-b", 7)])
    until(lambda: len(runner.batches) == 2)  # shop-b's batch entered beside shop-a's
    runner.hold.set()
    for thread in busy + free:
        thread.join(10)

    assert busy_answer == {0: 2} and free_answer == {0: 14}
    assert [key for key, _ in runner.batches] == ["shop-a", "shop-b"]


def test_up_to_parallel_batches_of_a_key_run_at_once_and_later_callers_wait_for_a_slot():
    runner = Recorder()
    group = GroupCommit(runner, parallel=2)
    runner.hold.clear()
    first, first_answers = in_threads([lambda n=n: group.submit("shop", n) for n in (1, 2)])
    until(lambda: len(runner.batches) == 2)  # both ran at once, each alone
    later, answers = in_threads([lambda n=n: group.submit("shop", n) for n in (3, 4, 5)])
    until(lambda: group.waiting("shop") == 3)

    runner.hold.set()
    for thread in first + later:
        thread.join(10)

    assert sorted(first_answers.values()) == [2, 4] and sorted(answers.values()) == [6, 8, 10]
    assert sorted(items for _, items in runner.batches[:2]) == [[1], [2]]
    assert sorted(x for _, items in runner.batches[2:] for x in items) == [3, 4, 5]
    assert runner.most_at_once == 2
    assert group.waiting("shop") == 0


def test_outcome_is_the_result_or_the_exception_raised():
    assert outcome(lambda a, b: a + b, 2, 3) == 5
    failed = outcome(lambda: 1 / 0)
    assert isinstance(failed, ZeroDivisionError)
