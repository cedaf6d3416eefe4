"""Daemon threads for route handlers that may block (a fault's latency, a carrier hook, admin work),
so the event loop never waits on them.

A thread starts when no idle one is left and stays for later calls. A call never queues behind
another: each open connection has at most one call outstanding, so the number of threads is bounded
by the connection cap, and a handler that calls back into the emulator always finds a thread.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any, Callable, Optional


def _settle(future: "asyncio.Future[Any]", result: Any, error: Optional[BaseException]) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Workers:
    """``await workers.run(loop, fn)``: ``fn()`` in a daemon thread, its result or exception on the loop."""

    def __init__(self, name: str = "cloudfn-emulator-worker") -> None:
        self.name = name
        self._jobs: "queue.SimpleQueue[Optional[Callable[[], None]]]" = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self.threads = 0

    def run(self, loop: asyncio.AbstractEventLoop, fn: Callable[[], Any]) -> "asyncio.Future[Any]":
        future: "asyncio.Future[Any]" = loop.create_future()

        def job() -> None:
            try:
                result, error = fn(), None
            except BaseException as exc:  # handed to the awaiting connection, which decides
                result, error = None, exc
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the emulator stopped while this call ran: nobody waits for it
                pass

        with self._lock:
            reuse = self._idle > 0
            if reuse:
                self._idle -= 1  # reserved for this job
            else:
                self.threads += 1
        if reuse:
            self._jobs.put(job)
        else:
            threading.Thread(target=self._work, args=(job,), name=self.name, daemon=True).start()
        return future

    def _work(self, job: Optional[Callable[[], None]]) -> None:
        while job is not None:
            job()
            with self._lock:
                self._idle += 1
            job = self._jobs.get()
        with self._lock:
            self.threads -= 1

    def close(self) -> None:
        """End the idle threads (busy ones end after their call)."""
        with self._lock:
            idle, self._idle = self._idle, 0
        for _ in range(idle):
            self._jobs.put(None)
