"""A small supervisor: run child processes, stop them all together, cleanly.

Children run in their own process groups, so a terminal's Ctrl-C reaches only the
supervisor, which then stops each child with the signal that stops *it* gracefully
(the web server: SIGTERM; the Huey consumer: SIGINT, which lets running tasks finish). If a
child exits on its own, the others are stopped too: half a service is not left running.
Children start in order; a child's ``after_start`` runs before the next one starts (the demo
waits for its marketplace sandbox and connects the demo shop before the web server starts).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
POLL_SECONDS = 0.2
STOP_TIMEOUT_SECONDS = 30


@dataclass
class Child:
    name: str
    command: list[str]
    description: str
    stop_signal: signal.Signals
    after_start: Callable[[Child], None] | None = field(default=None, repr=False)
    process: subprocess.Popen | None = field(default=None, repr=False)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def supervise(children: list[Child], on_started: Callable[[], None] | None = None) -> int:
    """Run ``children`` until a stop signal (exit 0) or until one exits (its code, or 1)."""
    signals_received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        signals_received.append(signum)

    previous = {signum: signal.signal(signum, on_signal) for signum in STOP_SIGNALS}
    sys.stdout.flush()
    try:
        for child in children:
            if signals_received:
                break
            child.process = subprocess.Popen(
                child.command, stdin=subprocess.DEVNULL, process_group=0
            )
            print(f"  {child.name:<7} pid {child.process.pid:<7} {child.description}", flush=True)
            if child.after_start is not None:
                child.after_start(child)
        if on_started is not None and not signals_received:
            on_started()
        exited = wait_for_signal_or_exit(children, signals_received)
        if exited is not None:
            code = exited.process.returncode if exited.process else 1
            print(f"omni: {exited.name} exited with code {code}; stopping.", file=sys.stderr)
            return code if code > 0 else 1
        print("\nomni: stopping (a second Ctrl-C kills at once)", file=sys.stderr, flush=True)
        return 0
    finally:
        stop(children, signals_received)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def wait_for_signal_or_exit(children: list[Child], signals_received: list[int]) -> Child | None:
    """Block until a stop signal arrives (None) or a child exits (that child)."""
    while not signals_received:
        for child in children:
            if not child.running():
                return child
        time.sleep(POLL_SECONDS)
    return None


def stop(children: list[Child], signals_received: list[int]) -> None:
    """Ask each running child to stop; kill what is still running after the timeout.

    A further stop signal while waiting (a second Ctrl-C) kills at once.
    """
    for child in children:
        if child.running() and child.process is not None:
            child.process.send_signal(child.stop_signal)
    signals_before = len(signals_received)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while any(child.running() for child in children):
        if time.monotonic() > deadline or len(signals_received) > signals_before:
            break
        time.sleep(POLL_SECONDS)
    for child in children:
        if child.running() and child.process is not None:
            print(f"omni: {child.name} still running; killing it.", file=sys.stderr)
            os.killpg(child.process.pid, signal.SIGKILL)
        if child.process is not None:
            child.process.wait()
