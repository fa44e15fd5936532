"""Coalesced enqueues: one queue write per task and arguments per window, never a lost run."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from omnichannel.coalesce import Coalescer


class FakeTask:
    """Records what would have been queued or run; ``immediate`` mimics Huey's test mode."""

    def __init__(self, immediate: bool = False) -> None:
        self.huey = SimpleNamespace(immediate=immediate)
        self.scheduled: list[tuple[tuple, float]] = []
        self.ran: list[tuple] = []

    def schedule(self, args: tuple, delay: float) -> None:
        self.scheduled.append((args, delay))

    def __call__(self, *args: object) -> None:
        self.ran.append(args)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_callers_within_the_window_share_one_scheduled_run():
    clock, task = Clock(), FakeTask()
    coalescer = Coalescer(window=0.5, clock=clock)
    assert coalescer.enqueue(task, 7)
    clock.now += 0.3
    assert not coalescer.enqueue(task, 7)
    assert task.scheduled == [((7,), 0.5)]


def test_the_run_is_scheduled_a_window_ahead_so_it_sees_every_covered_commit():
    clock, task = Clock(), FakeTask()
    Coalescer(window=0.5, clock=clock).enqueue(task, 7)
    [(_, delay)] = task.scheduled
    assert delay == 0.5


def test_a_caller_after_the_window_schedules_a_new_run():
    clock, task = Clock(), FakeTask()
    coalescer = Coalescer(window=0.5, clock=clock)
    coalescer.enqueue(task, 7)
    clock.now += 0.5
    assert coalescer.enqueue(task, 7)
    assert len(task.scheduled) == 2


def test_other_arguments_and_other_tasks_are_coalesced_separately():
    clock, drain, other = Clock(), FakeTask(), FakeTask()
    coalescer = Coalescer(window=0.5, clock=clock)
    coalescer.enqueue(drain, 1)
    coalescer.enqueue(drain, 2)
    coalescer.enqueue(other, 1)
    assert [args for args, _ in drain.scheduled] == [(1,), (2,)]
    assert [args for args, _ in other.scheduled] == [(1,)]


def test_in_immediate_mode_the_task_runs_at_once_every_time():
    task = FakeTask(immediate=True)
    coalescer = Coalescer(window=0.5, clock=Clock())
    coalescer.enqueue(task, 7)
    coalescer.enqueue(task, 7)
    assert task.ran == [(7,), (7,)]
    assert task.scheduled == []


def test_at_once_the_first_caller_runs_now_and_the_window_shares_one_closing_run():
    clock, task = Clock(), FakeTask()
    coalescer = Coalescer(window=0.5, clock=clock)
    assert coalescer.enqueue(task, 7, at_once=True)
    assert task.ran == [(7,)] and task.scheduled == []
    clock.now += 0.2
    assert coalescer.enqueue(task, 7, at_once=True)  # may have committed after the run read
    clock.now += 0.1
    assert not coalescer.enqueue(task, 7, at_once=True)
    [(args, delay)] = task.scheduled
    assert args == (7,) and delay == pytest.approx(0.3)  # the window's end: after both callers


def test_at_once_a_caller_after_the_window_runs_now_again():
    clock, task = Clock(), FakeTask()
    coalescer = Coalescer(window=0.5, clock=clock)
    coalescer.enqueue(task, 7, at_once=True)
    clock.now += 0.2
    coalescer.enqueue(task, 7, at_once=True)
    clock.now += 0.4
    assert coalescer.enqueue(task, 7, at_once=True)
    assert task.ran == [(7,), (7,)] and len(task.scheduled) == 1
