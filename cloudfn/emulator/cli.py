"""``cloudfn emulator``: run the emulator in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import Any, Dict, List, Tuple

DEFAULT_DATA = os.path.join(".cloudfn", "emulator.sqlite3")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; anything else is reachable from outside)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one and prints it)")
    parser.add_argument("--data", default=DEFAULT_DATA, help=f"SQLite file that keeps accounts, printers and orders between runs (default "
                        f"{DEFAULT_DATA}; ':memory:' forgets them on exit)")
    parser.add_argument("--appid", help="the emulated mini program's appid (default: WX_APPID, else the demo appid)")
    parser.add_argument("--secret", help="its app secret (default: WX_APPSECRET, else the demo secret)")
    parser.add_argument("--cloudbase-token", help="also accept this value as an access token (the cloudbase_access_token the cloudbase "
                        "transport sends)")
    parser.add_argument("--token-ttl", type=int, default=7200, help="how long an issued access token stays valid, in seconds (default 7200, "
                        "as WeChat)")
    parser.add_argument("--strict", action="store_true", help="behave like the real cloud-call gateway (POST /admin): refuse a call that "
                        "carries no function token with -604104, "
                        "as from outside a deployed function; also accept --cloudbase-token as wxCloudbaseAccesstoken")
    parser.add_argument("--push-url", help="your server's message-push URL: waybill path updates are pushed there, as WeChat does")
    parser.add_argument("--push-token", help="the Token set for message push: each push is signed with it")
    parser.add_argument("--push-aes-key", help="the EncodingAESKey set for message push: pushes are encrypted with it (safe mode)")
    parser.add_argument("--push-format", choices=("json", "xml"), default="json", help="send pushes as JSON or XML (default json)")
    parser.add_argument("--provider-url", help="URL of your carrier (provider) service, or SF=url,ZTO=url per carrier: add_waybill, cancel_waybill, "
                        "check_biz and get_quota are sent there, signed as WeChat does")
    parser.add_argument("--app", action="append", default=[], metavar="APPID:SECRET",
                        help="another mini program to serve (repeatable); the first app is the default one")
    parser.add_argument("--push-retries", type=int, help="retries of a failed push (default: CLOUDFN_PUSH_RETRIES, else 3)")
    parser.add_argument("--push-backoff", type=float, help="first retry delay in seconds, doubling (default: CLOUDFN_PUSH_BACKOFF, else 0.5)")
    parser.add_argument("--push-timeout", type=float, help="seconds per push attempt (default: CLOUDFN_PUSH_TIMEOUT, else 5)")
    parser.add_argument("--max-events", type=int, default=1000, help="how many recorded events (pushes and their outcomes) to keep for GET "
                        "/_emulator/events; the oldest go first (default 1000)")
    parser.add_argument("--max-connections", type=int, default=256, help="most connections served at once (default 256; more are answered 503)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="also accept this Host name (a proxy or port-forward in front of the emulator)")
    parser.add_argument("--auto-advance", type=float, metavar="SECONDS", help="move every open waybill one step along its delivery path "
                        "every SECONDS (off by default)")
    parser.add_argument("--failure-share", type=float, default=0.0, help="fraction (0-1) of auto-advanced waybills whose delivery fails (default 0)")
    parser.add_argument("--seed", metavar="FILE", help="start from a saved state (a file saved from GET /_emulator/state)")
    parser.add_argument("--fault-seed", type=int, metavar="N", help="seed of the fault dice: probabilistic faults and latencies repeat run to run")
    parser.add_argument("--fault", action="append", default=[], metavar="JSON",
                        help='preload a fault rule (repeatable), as POST /_emulator/faults takes it: \'{"api": "addOrder", "errcode": -1, '
                             '"probability": 0.05}\'')
    parser.add_argument("--track-seed", type=int, metavar="N", help="seed of the waybill tracks (auto-advance wording and failures)")
    parser.set_defaults(func=run)


def _environment() -> Dict[str, str]:
    """The process environment over ``.env`` of the working directory (as the SDK reads it, without importing it)."""
    merged: Dict[str, str] = {}
    if os.path.isfile(".env"):
        from dotenv import dotenv_values  # lazy: only when a .env exists

        merged.update({k: v for k, v in dotenv_values(".env").items() if v is not None})
    merged.update(os.environ)
    return merged


class UsageError(ValueError):
    """A bad command-line value (exit status 2)."""


def _identity(args: Any, env: Dict[str, str]) -> Tuple[str, str, str, Dict[str, str]]:
    """(appid, secret, where the secret came from, other apps) from the arguments, the environment or the demo."""
    from . import DEMO_APPID, DEMO_SECRET

    appid, secret = args.appid, args.secret
    source = "argument" if secret else ""
    if not appid and not secret and env.get("WX_APPID") and env.get("WX_APPSECRET"):
        appid, secret, source = env["WX_APPID"], env["WX_APPSECRET"], "environment"
    appid = appid or env.get("WX_APPID") or DEMO_APPID
    if not secret:
        secret, source = DEMO_SECRET, "demo"
    apps: Dict[str, str] = {}
    for item in args.app:
        app, sep, app_secret = item.partition(":")
        if not sep or not app or not app_secret:
            raise UsageError(f"--app takes APPID:SECRET, got {item.split(':')[0]!r}...")
        apps[app] = app_secret
    if args.app and not args.appid and not env.get("WX_APPID"):
        (appid, secret), source = next(iter(apps.items())), "argument"
    return appid, secret, source, apps


def _fault_rules(items: List[str]) -> List[Dict[str, Any]]:
    """``--fault JSON`` values as rule dicts (a JSON object, or a list of them, each)."""
    rules: List[Dict[str, Any]] = []
    for item in items:
        try:
            value = json.loads(item)
        except ValueError as exc:
            raise UsageError(f"--fault takes a JSON rule such as '{{\"api\": \"addOrder\", \"errcode\": -1}}': {exc}") from None
        for rule in value if isinstance(value, list) else [value]:
            if not isinstance(rule, dict):
                raise UsageError(f"--fault takes a JSON object (or a list of objects), got {type(rule).__name__}")
            rules.append(rule)
    return rules


def _banner(emulator: Any, args: Any, appid: str, secret: str, source: str) -> str:
    from .console import console_url

    lines = [
        f"cloudfn emulator listening on {emulator.base_url} (data: {args.data}, appid: {appid})",
        f"# console: {console_url(emulator.base_url)}",
        "# point cloudfn at it:",
        f"export CLOUDFN_API_BASE={emulator.base_url}",
        f"export WX_APPID={appid}",
        "# WX_APPSECRET: the one in your environment/.env (not printed)" if source == "environment" else f"export WX_APPSECRET={secret}",
    ]
    if args.cloudbase_token:
        lines.append("# cloudbase_access_token: the --cloudbase-token value")
    if len(emulator.apps) > 1:
        lines.append(f"# also serving apps: {', '.join(a for a in emulator.apps if a != appid)}")
    if emulator.options["faults"]:
        lines.append(f"# {len(emulator.options['faults'])} fault rule(s) loaded (GET /_emulator/faults)")
    return "\n".join(lines)


def _serve(emulator: Any) -> None:
    """Serve until SIGINT/SIGTERM, then stop."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda signum, frame: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        emulator.stop()
        print("cloudfn emulator stopped", flush=True)


def run(args: Any) -> int:
    from . import Emulator

    try:
        appid, secret, source, apps = _identity(args, _environment())
        faults = _fault_rules(args.fault)
    except UsageError as exc:
        print(f"cloudfn emulator: {exc}", file=sys.stderr)
        return 2
    if args.host not in _LOOPBACK:
        print(f"cloudfn emulator: WARNING: binding {args.host}: the emulator has no real security; anyone who can reach this "
              "address can read and change its data", file=sys.stderr)
    if args.data != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(args.data)), exist_ok=True)
    emulator = Emulator(
        host=args.host, port=args.port, data=args.data, appid=appid, secret=secret, cloudbase_token=args.cloudbase_token,
        token_ttl=args.token_ttl, strict=args.strict, push_url=args.push_url, push_token=args.push_token,
        push_aes_key=args.push_aes_key, push_format=args.push_format, provider_url=args.provider_url, apps=apps,
        push_retries=args.push_retries, push_backoff=args.push_backoff, push_timeout=args.push_timeout, max_events=args.max_events,
        max_connections=args.max_connections, allow_hosts=args.allow_host, auto_advance=args.auto_advance,
        failure_share=args.failure_share, seed=args.seed, fault_seed=args.fault_seed, track_seed=args.track_seed, faults=faults,
    )
    try:
        emulator.start()
    except OSError as exc:
        print(f"cloudfn emulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"cloudfn emulator: {exc}", file=sys.stderr)
        return 1
    print(_banner(emulator, args, appid, secret, source), flush=True)
    _serve(emulator)
    return 0
