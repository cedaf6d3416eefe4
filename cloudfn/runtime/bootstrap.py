"""The child side of ``cloudfn invoke``: import the handler and call it once, as SCF does.

Started as ``python -c`` with the function folder as cwd and ``sys.path[0]``; reads
``{"handler", "event", "context"}`` as JSON on stdin. While the handler runs, file
descriptor 1 points at stderr (so ``print()``, logging and child processes all land
in the log); the return value alone is written as one JSON line to the original stdout.
An unhandled exception prints its traceback to stderr and exits 1, and so does a handler that
returns an awaitable (an ``async def main_handler`` not adapted with ``cloudfn.aio.handler``).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from typing import Any, Dict


class Context(dict):
    """SCF's Python ``context``: a dict, with attribute access as a convenience."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _json_default(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):  # a CloudSDKError returned as is: JSON.stringify(err) in Node
        return to_dict()
    if isinstance(value, (bytes, bytearray)):
        import base64

        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"the return value is not JSON serializable: {type(value).__name__}")


def _not_awaited(name: str, result: Any) -> int:
    """SCF calls the handler synchronously and never awaits: an async handler's body never runs."""
    close = getattr(result, "close", None)
    if callable(close):
        close()  # a coroutine that will never run: no "never awaited" warning
    print(
        f"handler {name!r} returned {type(result).__name__} instead of a result: SCF calls main_handler(event, context) "
        "synchronously and never awaits it, so an async def main_handler does not run there. Adapt it with cloudfn.aio: "
        "`import cloudfn.aio as cloud`, rename it `async def main(event, context)` and add `main_handler = cloud.handler(main)` "
        "(or put `@cloud.handler` above `async def main_handler`).",
        file=sys.stderr,
    )
    return 1


def _hint(module: Any, wanted: str) -> str:
    """What to do when the handler is missing but a Node-style ``main`` (``exports.main``) is there."""
    main = getattr(module, "main", None)
    if wanted == "main" or not callable(main):
        return ""
    import inspect

    if inspect.iscoroutinefunction(main):
        return (
            f"; it has an async def main (Node's exports.main): SCF calls {wanted}(event, context) synchronously, so add "
            f"`{wanted} = cloud.handler(main)` with `import cloudfn.aio as cloud`"
        )
    return f"; it has a function main (Node's exports.main): rename it {wanted}, or add `{wanted} = main`"


def main() -> int:
    request: Dict[str, Any] = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    module_name, _, func_name = request["handler"].partition(".")
    result_fd = os.dup(1)
    os.dup2(2, 1)  # everything the handler writes to stdout goes to the log (stderr)
    sys.stdout = sys.stderr
    try:
        module = importlib.import_module(module_name)
        handler = getattr(module, func_name, None)
        if not callable(handler):
            print(f"handler {request['handler']!r}: {module_name}.py has no function {func_name!r}{_hint(module, func_name)}", file=sys.stderr)
            return 1
        result = handler(request["event"], Context(request["context"]))
        if hasattr(type(result), "__await__"):
            return _not_awaited(request["handler"], result)
        text = json.dumps(result, ensure_ascii=False, default=_json_default)
    except SystemExit as e:
        print(f"the function called sys.exit({e.code!r})", file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        sys.stderr.flush()
    with os.fdopen(result_fd, "wb") as out:
        out.write(text.encode("utf-8") + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
