"""``cloud.handler``: SCF's synchronous ``main_handler`` around an ``async def main(event, context)``.

SCF's Python runtime calls ``main_handler(event, context)`` and never awaits what it returns.
The adapter runs the coroutine on one event loop per thread, kept across warm invocations of
the instance, so the loop's aiohttp sessions (and their keep-alive connections) are reused.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import inspect
import threading
from typing import Any, Awaitable, Callable, TypeVar

T = TypeVar("T")

_local = threading.local()


def event_loop() -> asyncio.AbstractEventLoop:
    """This thread's handler loop, made on first use and kept (never closed by the adapter)."""
    loop = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
        atexit.register(_shutdown, loop)
    return loop


def _shutdown(loop: asyncio.AbstractEventLoop) -> None:
    """At interpreter exit: finalise the loop's async generators (closing its sessions), then the loop."""
    if loop.is_closed() or loop.is_running():
        return
    try:
        pending = asyncio.all_tasks(loop)  # as asyncio.run ends: cancel what is left, then finalise
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


def handler(main: Callable[[Any, Any], Awaitable[T]]) -> Callable[[Any, Any], T]:
    """``main_handler = cloud.handler(main)``, or ``@cloud.handler`` above ``async def main_handler``."""
    if not inspect.iscoroutinefunction(main):
        raise TypeError(f"cloud.handler wraps an async def main(event, context); {getattr(main, '__name__', main)!r} is not one")

    @functools.wraps(main)
    def main_handler(event: Any, context: Any) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("main_handler was called inside a running event loop: await main(event, context) there instead")
        loop = event_loop()
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main(event, context))

    return main_handler
