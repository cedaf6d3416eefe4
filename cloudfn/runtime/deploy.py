"""``cloudfn deploy NAME``: create or update the function in Tencent Cloud SCF.

Uses tencentcloud-sdk-python's SCF client (imported only here; ``pip install
'wx-cloudfn[deploy]'``). The namespace is the CloudBase env id (``--env`` or the
manifest's ``envId``), the region the manifest's ``region``. Steps: package the
function, ``GetFunction``; then ``CreateFunction``, or ``UpdateFunctionCode`` and
``UpdateFunctionConfiguration``; after each change, poll ``GetFunction`` until the
function is ``Active``, printing progress on stderr. Errors are one line with the
Tencent Cloud code (``deploy failed: AuthFailure.SignatureFailure: ...``) and exit 1;
credentials never appear in any output.

Credentials: ``TENCENTCLOUD_SECRETID`` / ``TENCENTCLOUD_SECRETKEY`` /
``TENCENTCLOUD_SESSIONTOKEN`` (as SCF injects them) or ``TENCENTCLOUD_SECRET_ID`` /
``TENCENTCLOUD_SECRET_KEY`` / ``TENCENTCLOUD_SESSION_TOKEN``, from the environment or
the project's ``.env``; otherwise the SDK's default credential chain (profile file,
CVM role...).
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
import urllib.parse
from typing import Any, Callable, Dict, List, Mapping, Optional

from ..config import environment
from . import manifest, package
from .manifest import Function, ManifestError
from .sources import permission_warnings

DEFAULT_POLL_INTERVAL = 2.0
DEFAULT_WAIT = 300.0
FAILED = ("CreateFailed", "UpdateFailed", "PublishFailed", "DeleteFailed")


class DeployError(Exception):
    """A deploy failure; ``str()`` is the line after ``deploy failed: ``."""


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("function", metavar="NAME", help="a function named in config.json (or a function folder)")
    parser.add_argument("--env", dest="env_id", metavar="ENV", help="the CloudBase environment id to deploy to, which is the SCF namespace "
        "(default: envId of config.json)")
    parser.add_argument("--region", help="the Tencent Cloud region, e.g. ap-shanghai (default: region of config.json)")
    parser.add_argument("--endpoint", metavar="URL", help="the SCF API address, http(s)://host[:port] (default "
        "https://scf.tencentcloudapi.com; change it only for a test server)")
    parser.add_argument("--zip", metavar="FILE", help="deploy this zip instead of packaging the function now")
    parser.add_argument("--vendor-dir", metavar="DIR", help="take the dependencies from this folder (made with pip install --target) "
        "instead of running pip")
    parser.add_argument("--poll-interval", type=float, default=DEFAULT_POLL_INTERVAL, metavar="S", help="seconds between checks of the "
        "function's status while it is being deployed")
    parser.add_argument("--wait", type=float, default=DEFAULT_WAIT, metavar="S", help="give up if the function is not Active after S seconds")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    secrets: List[str] = []
    try:
        project = manifest.find()
        fn = project.function(args.function)
        env_id = args.env_id or project.env_id
        if not env_id:
            raise DeployError("no env id: set envId in config.json or pass --env (the CloudBase env id is the SCF namespace)")
        region = args.region or project.region
        environ = environment(project.root)
        credential = credentials(environ, secrets)
        if args.zip:
            with open(args.zip, "rb") as f:
                data = f.read()
        else:
            _progress(f"packaging {fn.name} ({fn.runtime}, handler {fn.handler})")
            built = package.build(project, fn, vendor_dir=args.vendor_dir)
            package.report_skipped(built, "deploy")
            for line in permission_warnings(fn):
                print(f"deploy: warning: {line}", file=sys.stderr)
            data = built.data
        _progress(f"package {len(data)} bytes; deploying to namespace {env_id} in {region}")
        client = make_client(credential, region, args.endpoint)
        deploy(client, fn, env_id, data, poll=args.poll_interval, wait=args.wait)
    except (ManifestError, package.PackageError, DeployError, OSError) as e:
        print(f"deploy failed: {_scrub(str(e), secrets)}", file=sys.stderr)
        return 1
    except Exception as e:  # tencentcloud's TencentCloudSDKException and anything the SDK raises
        code = getattr(e, "code", None) or type(e).__name__
        message = getattr(e, "message", None) or str(e)
        request_id = getattr(e, "requestId", None)
        tail = f" (RequestId {request_id})" if request_id else ""
        print(f"deploy failed: {code}: {_scrub(str(message), secrets)}{tail}", file=sys.stderr)
        return 1
    print(f"deployed {fn.name} to namespace {env_id} in {region}: Active")
    return 0


def credentials(environ: Mapping[str, str], secrets: List[str]) -> Any:
    """A tencentcloud Credential from the environment/.env, else the SDK's default chain."""
    try:
        from tencentcloud.common import credential
    except ImportError:
        raise DeployError("tencentcloud-sdk-python is not installed: pip install 'wx-cloudfn[deploy]'") from None
    secret_id = environ.get("TENCENTCLOUD_SECRETID") or environ.get("TENCENTCLOUD_SECRET_ID")
    secret_key = environ.get("TENCENTCLOUD_SECRETKEY") or environ.get("TENCENTCLOUD_SECRET_KEY")
    token = environ.get("TENCENTCLOUD_SESSIONTOKEN") or environ.get("TENCENTCLOUD_SESSION_TOKEN")
    secrets.extend(s for s in (secret_key, token) if s)
    if secret_id and secret_key:
        return credential.Credential(secret_id, secret_key, token or None)
    if secret_id or secret_key:
        missing = "TENCENTCLOUD_SECRETKEY" if secret_id else "TENCENTCLOUD_SECRETID"
        raise DeployError(f"incomplete credentials: {missing} is not set")
    try:
        return credential.DefaultCredentialProvider().get_credentials()
    except Exception:
        raise DeployError(
            "no Tencent Cloud credentials: set TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY (environment or .env), "
            "or configure the SDK's default chain (~/.tencentcloud/credentials, CVM role)"
        ) from None


def make_client(credential: Any, region: str, endpoint: Optional[str]) -> Any:
    """An SCF client; ``endpoint`` (http(s)://host:port) overrides the API host."""
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.scf.v20180416 import scf_client

    http = HttpProfile(reqTimeout=60)
    if endpoint:
        parts = urllib.parse.urlsplit(endpoint if "://" in endpoint else "https://" + endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise DeployError(f"--endpoint must be http(s)://host[:port], got {endpoint!r}")
        http.protocol = parts.scheme
        http.scheme = parts.scheme
        http.endpoint = parts.netloc
    else:
        http.endpoint = "scf.tencentcloudapi.com"
    return scf_client.ScfClient(credential, region, ClientProfile(httpProfile=http))


def deploy(client: Any, fn: Function, namespace: str, data: bytes, poll: float = DEFAULT_POLL_INTERVAL, wait: float = DEFAULT_WAIT) -> None:
    """Create or update ``fn`` in ``namespace`` with the zip ``data`` and wait until Active."""
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.scf.v20180416 import models

    zip_b64 = base64.b64encode(data).decode("ascii")
    environment_vars = {"Variables": [{"Key": k, "Value": v} for k, v in sorted(fn.env_variables.items())]}
    try:
        current = _call(client.GetFunction, models.GetFunctionRequest, {"FunctionName": fn.name, "Namespace": namespace})
    except TencentCloudSDKException as e:
        if e.code != "ResourceNotFound.Function":
            raise
        current = None
    if current is None:
        _create(client, models, fn, namespace, zip_b64, environment_vars)
    else:
        _update(client, models, fn, namespace, zip_b64, environment_vars, current, poll, wait)
    wait_active(client, fn.name, namespace, poll, wait)


def _create(client: Any, models: Any, fn: Function, namespace: str, zip_b64: str, environment_vars: Dict[str, Any]) -> None:
    if len(zip_b64) > package.CREATE_LIMIT:
        raise DeployError(f"the package is {len(zip_b64)} bytes in base64, over CreateFunction's 50 MB limit")
    _progress(f"{fn.name} does not exist in {namespace}: CreateFunction")
    params: Dict[str, Any] = {
        "FunctionName": fn.name,
        "Namespace": namespace,
        "Code": {"ZipFile": zip_b64},
        "Handler": fn.handler,
        "Runtime": fn.runtime,
        "Timeout": fn.timeout,
        "MemorySize": fn.memory_size,
        "Environment": environment_vars,
        "Type": "Event",
        "InstallDependency": "FALSE",
    }
    if fn.description:
        params["Description"] = fn.description
    _call(client.CreateFunction, models.CreateFunctionRequest, params)


def _update(client: Any, models: Any, fn: Function, namespace: str, zip_b64: str, environment_vars: Dict[str, Any],
            current: Dict[str, Any], poll: float, wait: float) -> None:
    _progress(f"{fn.name} exists in {namespace} (status {current.get('Status')}): UpdateFunctionCode")
    if current.get("Status") != "Active":
        wait_active(client, fn.name, namespace, poll, wait)
    if len(zip_b64) > package.UPDATE_LIMIT:
        raise DeployError(f"the package is {len(zip_b64)} bytes in base64, over UpdateFunctionCode's 20 MB limit")
    _call(
        client.UpdateFunctionCode,
        models.UpdateFunctionCodeRequest,
        {"FunctionName": fn.name, "Namespace": namespace, "ZipFile": zip_b64, "Handler": fn.handler, "InstallDependency": "FALSE"},
    )
    wait_active(client, fn.name, namespace, poll, wait)
    _progress(f"{fn.name}: UpdateFunctionConfiguration")
    config: Dict[str, Any] = {
        "FunctionName": fn.name,
        "Namespace": namespace,
        "Runtime": fn.runtime,
        "Timeout": fn.timeout,
        "MemorySize": fn.memory_size,
        "Environment": environment_vars,
    }
    if fn.description:
        config["Description"] = fn.description
    _call(client.UpdateFunctionConfiguration, models.UpdateFunctionConfigurationRequest, config)


def wait_active(client: Any, name: str, namespace: str, poll: float, wait: float, clock: Callable[[], float] = time.monotonic) -> None:
    """Poll GetFunction until Status is Active; fail on a *Failed status or after ``wait`` seconds."""
    from tencentcloud.scf.v20180416 import models

    deadline = clock() + wait
    last = None
    while True:
        info = _call(client.GetFunction, models.GetFunctionRequest, {"FunctionName": name, "Namespace": namespace})
        status = info.get("Status")
        if status != last:
            _progress(f"{name}: status {status}")
            last = status
        if status == "Active":
            return
        if status in FAILED or (isinstance(status, str) and status.endswith("Failed")):
            reasons = "; ".join(f"{r.get('ErrorCode')}: {r.get('ErrorMessage')}" for r in info.get("StatusReasons") or [])
            raise DeployError(f"{name} is {status}: {reasons or info.get('StatusDesc') or 'no reason given'}")
        if clock() >= deadline:
            raise DeployError(f"{name} still {status} after {wait:g} s (raise --wait to keep waiting)")
        time.sleep(poll)


def _call(method: Callable[[Any], Any], request_type: type, params: Dict[str, Any]) -> Dict[str, Any]:
    import json

    request = request_type()
    request.from_json_string(json.dumps(params))
    response = method(request)
    return json.loads(response.to_json_string())


def _progress(message: str) -> None:
    print(f"deploy: {message}", file=sys.stderr, flush=True)


def _scrub(text: str, secrets: List[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text
