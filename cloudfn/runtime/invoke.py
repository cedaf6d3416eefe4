"""``cloudfn invoke NAME|DIR``: run a function's ``main_handler`` once, as SCF would.

The handler runs in a fresh interpreter (``sys.executable``) whose working directory
and ``sys.path[0]`` are the function folder. It sees the caller's environment, the
project's ``.env``, the function's ``envVariables`` and the variables a CloudBase
function gets (``TENCENTCLOUD_RUNENV=SCF``, ``SCF_FUNCTIONNAME``, ``SCF_NAMESPACE``,
``TCB_ENV``, ``WX_CONTEXT_KEYS`` with ``WX_OPENID``/``WX_APPID``/``WX_UNIONID``), plus
``CLOUDFN_OPENAPI_PERMISSIONS`` from the function's ``config.json`` so that any open API
it does not list fails with -604101, as in the cloud. The return value is printed as
JSON on stdout and nothing else is; logs go to stderr. Exit status: 0 success,
1 unhandled exception (traceback on stderr), 2 bad usage or manifest, 124 timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ..config import environment
from . import manifest
from .manifest import Function, ManifestError, Project
from .sources import permission_warnings

EVENT_FILE = "event.json"  # the function's sample event, sent when none is given (cloudfn new writes one)

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 124
FUNCTION_VERSION = "$LATEST"
DEFAULT_NAMESPACE = "default"

# The child: function folder first on sys.path (as SCF), cloudfn importable after it.
_CHILD = (
    "import os, sys\n"
    "sys.path[0] = os.getcwd()\n"
    "sys.path.append({pkg_parent!r})\n"
    "from cloudfn.runtime.bootstrap import main\n"
    "code = main()\n"
    "sys.stdout.flush(); sys.stderr.flush()\n"
    "os._exit(code)\n"
)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("function", metavar="NAME|DIR", help="a function named in config.json, or a function folder")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--event", metavar="JSON", help="the event passed to main_handler, as JSON text (default: the function's event.json "
        "if it has one, else {})")
    source.add_argument("--event-file", metavar="FILE", help="read the event from a JSON file ('-' reads standard input)")
    parser.add_argument("--openid", help="the calling user's OPENID, as cloud.getWXContext() returns it (sets WX_OPENID)")
    parser.add_argument("--appid", help="the calling mini program's APPID (sets WX_APPID; in CloudBase it is also the app the open API "
        "calls act for)")
    parser.add_argument("--unionid", help="the calling user's UNIONID (sets WX_UNIONID)")
    parser.add_argument("--timeout", type=float, metavar="S", help="stop the function after S seconds (default: its timeout in config.json)")
    parser.add_argument("--env", dest="env_id", metavar="ENV", help="the CloudBase environment id the function runs in (sets TCB_ENV and "
        "SCF_NAMESPACE; default: envId of config.json)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        project = manifest.find()
        fn = project.function(args.function)
        event = _read_event(args, fn)
    except (ManifestError, ValueError) as e:
        print(f"cloudfn invoke: {e}", file=sys.stderr)
        return EXIT_USAGE
    for line in permission_warnings(fn):
        print(f"cloudfn invoke: warning: {line}", file=sys.stderr)
    timeout = args.timeout if args.timeout is not None else float(fn.timeout)
    if timeout <= 0:
        print("cloudfn invoke: --timeout must be positive", file=sys.stderr)
        return EXIT_USAGE
    env_id = args.env_id or project.env_id
    environ, context = build(project, fn, env_id, timeout, openid=args.openid, appid=args.appid, unionid=args.unionid)
    code, out = execute(fn, event, context, environ, timeout)
    if out:
        sys.stdout.write(out.decode("utf-8"))
        sys.stdout.flush()
    return code


def _read_event(args: argparse.Namespace, fn: Function) -> Any:
    sample = os.path.join(fn.directory, EVENT_FILE)
    if not args.event_file and args.event is None and os.path.isfile(sample):
        args.event_file = sample
        print(f"cloudfn invoke: event from {os.path.relpath(sample)}", file=sys.stderr)
    if args.event_file:
        if args.event_file == "-":
            text = sys.stdin.read()
        else:
            try:
                with open(args.event_file, encoding="utf-8") as f:
                    text = f.read()
            except OSError as e:
                raise ValueError(f"--event-file {args.event_file}: {e.strerror}") from None
        where = f"--event-file {args.event_file}"
    elif args.event is not None:
        text, where = args.event, "--event"
    else:
        return {}
    try:
        return json.loads(text)
    except ValueError as e:
        raise ValueError(f"{where} is not valid JSON: {e}") from None


def build(
    project: Project,
    fn: Function,
    env_id: Optional[str],
    timeout: float,
    openid: Optional[str] = None,
    appid: Optional[str] = None,
    unionid: Optional[str] = None,
    base: Optional[Mapping[str, str]] = None,
) -> Tuple[Dict[str, str], Dict[str, Any]]:
    """The child's environment and the SCF ``context`` for one invocation."""
    env = dict(base if base is not None else environment(project.root))
    env.update(fn.env_variables)
    if env.get("CLOUDFN_TOKEN_DIR") and not os.path.isabs(env["CLOUDFN_TOKEN_DIR"]):  # never a token in the function folder
        env["CLOUDFN_TOKEN_DIR"] = os.path.join(project.root, env["CLOUDFN_TOKEN_DIR"])
    namespace = env_id or DEFAULT_NAMESPACE
    scf = {
        "TENCENTCLOUD_RUNENV": "SCF",
        "SCF_RUNTIME": fn.runtime,
        "SCF_FUNCTIONNAME": fn.name,
        "SCF_FUNCTIONVERSION": FUNCTION_VERSION,
        "SCF_NAMESPACE": namespace,
        "TENCENTCLOUD_REGION": project.region,
        "CLOUDFN_OPENAPI_PERMISSIONS": ",".join(fn.permissions),
        "PYTHONUNBUFFERED": "1",
        "PYTHONIOENCODING": "utf-8",
    }
    env.update(scf)
    if env_id:
        env["TCB_ENV"] = env_id
    else:
        env.pop("TCB_ENV", None)
    given = {"WX_OPENID": openid, "WX_APPID": appid, "WX_UNIONID": unionid}
    keys = [k for k, v in given.items() if v is not None]
    for k in keys:
        env[k] = given[k]  # type: ignore[assignment]
    if keys:
        env["WX_CONTEXT_KEYS"] = ",".join(keys)
    else:
        env.pop("WX_CONTEXT_KEYS", None)
    token = _gateway_token(env, fn)
    if token:
        env["WX_API_TOKEN"] = token
        env["TCB_CONTEXT_KEYS"] = "TCB_ENV,SCF_NAMESPACE,WX_API_TOKEN" if env_id else "SCF_NAMESPACE,WX_API_TOKEN"
    visible = {k: env[k] for k in ("TCB_ENV", "SCF_NAMESPACE", "WX_CONTEXT_KEYS", *keys) if k in env}
    return env, _context(project, fn, timeout, namespace, visible)


def _context(project: Project, fn: Function, timeout: float, namespace: str, visible: Mapping[str, str]) -> Dict[str, Any]:
    """SCF's ``context`` argument: limits, ids, and the environment keys the function may see."""
    return {
        "callbackWaitsForEmptyEventLoop": False,
        "memory_limit_in_mb": fn.memory_size,
        "time_limit_in_ms": int(timeout * 1000),
        "request_id": str(uuid.uuid4()),
        "environment": json.dumps(visible, ensure_ascii=False),
        "environ": ";".join(f"{k}={v}" for k, v in visible.items()),
        "function_version": FUNCTION_VERSION,
        "function_name": fn.name,
        "namespace": namespace,
        "tencentcloud_region": project.region,
    }


def _gateway_token(env: Mapping[str, str], fn: Function) -> Optional[str]:
    """Contract 2: an emulator gateway token carrying this function's permissions (best effort)."""
    service = env.get("CLOUDFN_SERVICE_URL")
    if not service:
        return None
    parts = urllib.parse.urlsplit(service)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        print(f"cloudfn invoke: CLOUDFN_SERVICE_URL is not an http(s) URL, no gateway token minted: {parts.scheme}://...", file=sys.stderr)
        return None
    url = f"{parts.scheme}://{parts.netloc}/_emulator/api-tokens"
    body = json.dumps({"function": fn.name, "permissions": list(fn.permissions)}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
    try:
        with opener.open(request, timeout=10) as response:
            token = json.loads(response.read().decode("utf-8")).get("token")
    except urllib.error.HTTPError as e:
        if e.code != 404:  # 404: that server mints no tokens; call without one
            print(f"cloudfn invoke: gateway token request answered HTTP {e.code}; invoking without WX_API_TOKEN", file=sys.stderr)
        return None
    except (OSError, ValueError, AttributeError) as e:
        print(f"cloudfn invoke: cannot mint a gateway token at {parts.netloc} ({type(e).__name__}); invoking without WX_API_TOKEN", file=sys.stderr)
        return None
    return token if isinstance(token, str) and token else None


def execute(fn: Function, event: Any, context: Dict[str, Any], environ: Dict[str, str], timeout: float) -> Tuple[int, bytes]:
    """Run the handler in a child interpreter; (exit status, stdout bytes)."""
    pkg_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    request = json.dumps({"handler": fn.handler, "event": event, "context": context}, ensure_ascii=False).encode("utf-8")
    argv: List[str] = [sys.executable, "-c", _CHILD.format(pkg_parent=pkg_parent)]
    proc = subprocess.Popen(
        argv,
        cwd=fn.directory,
        env=environ,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=None,  # logs stream straight to our stderr
        start_new_session=True,  # one process group: a timeout kills what the handler started too
    )
    try:
        out, _ = proc.communicate(request, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.communicate()
        shown = f"{timeout:g}"
        print(f"function timed out after {shown} s", file=sys.stderr)
        return EXIT_TIMEOUT, b""
    except BaseException:
        _kill(proc)
        raise
    if proc.returncode != 0:
        code = proc.returncode if proc.returncode > 0 else EXIT_ERROR
        return code, b""
    return 0, out


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
