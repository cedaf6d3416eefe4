"""The project manifest (top-level ``config.json``) and each function's ``config.json``.

The manifest is modelled on CloudBase's ``cloudbaserc.json``::

    {"envId": "my-env-1a2b", "region": "ap-shanghai", "functionRoot": "functions",
     "functions": [{"name": "logistics", "runtime": "Python3.11", "handler": "index.main_handler",
                    "timeout": 10, "memorySize": 128, "envVariables": {}, "installDependency": true}]}

A function folder holds ``index.py`` and its own ``config.json`` in CloudBase's format,
``{"permissions": {"openapi": ["logistics.bindAccount"]}}`` (plus optional ``timeout``,
``envVariables``, ``runtime``, ``memorySize``, ``triggers``). Settings resolve as
defaults < function ``config.json`` < manifest entry. A bad file is reported as one
:class:`ManifestError` line naming the key, e.g.
``config.json: functions[2].timeout must be an integer 1-900, got 0``.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .suggest import nearest

MANIFEST = "config.json"
DEFAULT_FUNCTION_ROOT = "functions"
DEFAULT_REGION = "ap-shanghai"
DEFAULT_RUNTIME = "Python3.11"  # CloudBase's recommended Python runtime
DEFAULT_HANDLER = "index.main_handler"
DEFAULT_TIMEOUT = 3  # SCF's default, seconds
DEFAULT_MEMORY = 128
RUNTIMES = {"Python3.9": "3.9", "Python3.10": "3.10", "Python3.11": "3.11"}
ENV_VARIABLES_MAX_BYTES = 4096  # SCF: 4 KB of environment variables per function

_TOP_KEYS = {"envId", "region", "functionRoot", "functions", "$schema", "version"}
_FUNCTION_KEYS = {"name", "runtime", "handler", "timeout", "memorySize", "envVariables", "installDependency", "description"}
_FN_CONFIG_KEYS = {"permissions", "timeout", "envVariables", "triggers", "runtime", "memorySize", "handler", "installDependency"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,59}$")
_ENV_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$")
_REGION = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")
_HANDLER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")
_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_API = re.compile(r"^[A-Za-z]+\.[A-Za-z0-9_]+$")


class ManifestError(ValueError):
    """A bad manifest or function config.json; ``str()`` is the one line to print."""


@dataclass
class Function:
    """One function, with every setting resolved."""

    name: str
    directory: str
    runtime: str = DEFAULT_RUNTIME
    handler: str = DEFAULT_HANDLER
    timeout: int = DEFAULT_TIMEOUT
    memory_size: int = DEFAULT_MEMORY
    env_variables: Dict[str, str] = field(default_factory=dict)
    install_dependency: bool = True
    description: str = ""
    permissions: Tuple[str, ...] = ()
    listed: bool = False  # named in the manifest

    @property
    def python_version(self) -> str:
        """``"3.9"`` for ``Python3.9``."""
        return RUNTIMES[self.runtime]

    @property
    def handler_module(self) -> str:
        return self.handler.partition(".")[0]

    @property
    def handler_function(self) -> str:
        return self.handler.partition(".")[2]


@dataclass
class Project:
    """A project: its root folder and the parsed manifest (defaults when it has none)."""

    root: str
    manifest_path: Optional[str] = None
    env_id: Optional[str] = None
    region: str = DEFAULT_REGION
    function_root: str = DEFAULT_FUNCTION_ROOT
    entries: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    @property
    def functions_dir(self) -> str:
        return os.path.normpath(os.path.join(self.root, self.function_root))

    def names(self) -> List[str]:
        """Functions listed in the manifest, in manifest order."""
        return list(self.entries)

    def function(self, target: str) -> Function:
        """Resolve ``NAME`` (listed in the manifest or a folder under functionRoot) or a folder path."""
        directory: Optional[str] = None
        if os.sep in target or "/" in target or target in (".", "..") or (target not in self.entries and os.path.isdir(target)):
            directory = os.path.abspath(target)
            if not os.path.isdir(directory):
                raise ManifestError(f"{target}: no such function folder")
            name = os.path.basename(directory.rstrip(os.sep))
            if os.path.dirname(directory) != self.functions_dir and name in self.entries:
                entry: Dict[str, Any] = {}  # a same-named folder elsewhere is not the listed function
            else:
                entry = self.entries.get(name, {})
        else:
            name = target
            entry = self.entries.get(name, {})
            directory = os.path.join(self.functions_dir, name)
            if not os.path.isdir(directory):
                listed = ", ".join(self.entries) or "none"
                where = self.manifest_path or self.root
                close = None if name in self.entries else nearest(name, [*self.entries, *self._folders()])  # listed: the folder is missing
                hint = f" (did you mean {close!r}?)" if close else ""
                raise ManifestError(f"unknown function {name!r}{hint}: no folder {directory} (functions listed in {where}: {listed})")
        return _resolve(name, directory, entry, listed=bool(entry))

    def _folders(self) -> List[str]:
        """Function folders under functionRoot (those with an ``index.py`` or a ``config.json``)."""
        try:
            names = sorted(os.listdir(self.functions_dir))
        except OSError:
            return []
        return [n for n in names if any(os.path.isfile(os.path.join(self.functions_dir, n, f)) for f in ("index.py", MANIFEST))]


def is_manifest(data: Any) -> bool:
    """A project manifest, as opposed to a function's ``config.json``."""
    return isinstance(data, dict) and bool({"envId", "functions", "functionRoot"} & set(data))


def find(start: Optional[str] = None) -> Project:
    """The project containing ``start`` (default: cwd): the nearest folder upwards whose
    ``config.json`` is a manifest. ``CLOUDFN_CONFIG`` names the manifest explicitly.
    Without one, the project is ``start`` itself with default settings."""
    explicit = os.environ.get("CLOUDFN_CONFIG")
    if explicit:
        return load(explicit)
    here = os.path.abspath(start or os.getcwd())
    probe = here
    while True:
        path = os.path.join(probe, MANIFEST)
        if os.path.isfile(path):
            data = _read_json(path, _rel(path))
            if is_manifest(data):
                return parse(data, os.path.dirname(path), path)
        parent = os.path.dirname(probe)
        if parent == probe:
            return Project(root=here)
        probe = parent


def load(path: str) -> Project:
    """Parse the manifest at ``path``."""
    data = _read_json(path, path)
    return parse(data, os.path.dirname(os.path.abspath(path)), os.path.abspath(path))


def parse(data: Any, root: str, path: Optional[str] = None) -> Project:
    """Validate a manifest document; raise :class:`ManifestError` naming the first bad key."""
    label = MANIFEST if path is None else _rel(path)
    if not isinstance(data, dict):
        raise ManifestError(f"{label}: must be a JSON object, got {_show(data)}")
    for key in data:
        if key not in _TOP_KEYS:
            raise ManifestError(f"{label}: unknown key {key!r} (allowed: {', '.join(sorted(_TOP_KEYS - {'$schema', 'version'}))})")
    env_id = data.get("envId")
    if env_id is not None and not (isinstance(env_id, str) and _ENV_ID.match(env_id)):
        raise ManifestError(f"{label}: envId must be a CloudBase env id (letters, digits, - and _, up to 60), got {_show(env_id)}")
    region = data.get("region", DEFAULT_REGION)
    if not (isinstance(region, str) and _REGION.match(region)):
        raise ManifestError(f'{label}: region must be a Tencent Cloud region such as "ap-shanghai", got {_show(region)}')
    function_root = data.get("functionRoot", DEFAULT_FUNCTION_ROOT)
    if not (isinstance(function_root, str) and function_root.strip() and not os.path.isabs(function_root)):
        raise ManifestError(f"{label}: functionRoot must be a relative folder path, got {_show(function_root)}")
    functions = data.get("functions", [])
    if not isinstance(functions, list):
        raise ManifestError(f"{label}: functions must be a list, got {_show(functions)}")
    entries: Dict[str, Dict[str, Any]] = {}
    for i, entry in enumerate(functions):
        where = f"{label}: functions[{i}]"
        if not isinstance(entry, dict):
            raise ManifestError(f"{where} must be an object, got {_show(entry)}")
        for key in entry:
            if key not in _FUNCTION_KEYS:
                raise ManifestError(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(_FUNCTION_KEYS))})")
        name = entry.get("name")
        if not (isinstance(name, str) and _NAME.match(name)):
            raise ManifestError(f"{where}.name must start with a letter and use letters, digits, - and _ (up to 60), got {_show(name)}")
        if name in entries:
            raise ManifestError(f"{where}.name {name!r} is listed twice")
        _check_settings(entry, where, manifest=True)
        entries[name] = dict(entry)
    return Project(root=root, manifest_path=path, env_id=env_id, region=region, function_root=function_root, entries=entries)


def read_function_config(directory: str) -> Dict[str, Any]:
    """The function's own ``config.json`` (``{}`` when absent), validated."""
    path = os.path.join(directory, MANIFEST)
    if not os.path.isfile(path):
        return {}
    label = _rel(path)
    data = _read_json(path, label)
    if not isinstance(data, dict):
        raise ManifestError(f"{label}: must be a JSON object, got {_show(data)}")
    for key in data:
        if key not in _FN_CONFIG_KEYS:
            raise ManifestError(f"{label}: unknown key {key!r} (allowed: {', '.join(sorted(_FN_CONFIG_KEYS))})")
    permissions = data.get("permissions", {})
    if not isinstance(permissions, dict):
        raise ManifestError(f'{label}: permissions must be an object like {{"openapi": [...]}}, got {_show(permissions)}')
    openapi = permissions.get("openapi", [])
    if not isinstance(openapi, list):
        raise ManifestError(f"{label}: permissions.openapi must be a list of API names, got {_show(openapi)}")
    openapi = [_documented_api(api, f"{label}: permissions.openapi[{i}]") for i, api in enumerate(openapi)]
    data = dict(data, permissions=dict(permissions, openapi=openapi))
    for i, api in enumerate(openapi):
        if not (isinstance(api, str) and _API.match(api)):
            raise ManifestError(f'{label}: permissions.openapi[{i}] must be an API name such as "logistics.addOrder", got {_show(api)}')
        _check_known_api(api, f"{label}: permissions.openapi[{i}]")
    _check_settings(data, label + ":", manifest=False)
    return data


def _documented_api(api: Any, where: str) -> Any:
    """``openapi.logistics.x`` (seen in real projects, and the platform runs them) is read as ``logistics.x``, with a warning."""
    if isinstance(api, str) and api.startswith("openapi.") and _API.match(api[len("openapi."):]):
        documented = api[len("openapi."):]
        warnings.warn(f'{where} "{api}" read as "{documented}": write the documented form "{documented}"', UserWarning, stacklevel=4)
        return documented
    return api


def _check_known_api(api: str, where: str) -> None:
    from .. import spec

    namespace, _, name = api.partition(".")
    if namespace == spec.model()["namespace"] and spec.method(name) is None:
        close = nearest(name, spec.methods())
        if close:
            raise ManifestError(f"{where} names an unknown open API {api!r}: did you mean {namespace + '.' + close!r}?")
        raise ManifestError(f"{where} names an unknown open API {api!r} (known: {', '.join(sorted(spec.methods()))})")


def _check_settings(entry: Mapping[str, Any], where: str, manifest: bool) -> None:
    dot = "." if manifest else " "
    if "runtime" in entry and entry["runtime"] not in RUNTIMES:
        raise ManifestError(f"{where}{dot}runtime must be one of {', '.join(RUNTIMES)}, got {_show(entry['runtime'])}")
    if "handler" in entry and not (isinstance(entry["handler"], str) and _HANDLER.match(entry["handler"])):
        raise ManifestError(f'{where}{dot}handler must look like "index.main_handler" (module.function), got {_show(entry["handler"])}')
    if "timeout" in entry and not (_is_int(entry["timeout"]) and 1 <= entry["timeout"] <= 900):
        raise ManifestError(f"{where}{dot}timeout must be an integer 1-900, got {_show(entry['timeout'])}")
    if "memorySize" in entry:
        m = entry["memorySize"]
        if not (_is_int(m) and (m == 64 or (128 <= m <= 3072 and m % 128 == 0))):
            raise ManifestError(f"{where}{dot}memorySize must be 64 or a multiple of 128 from 128 to 3072 (MB), got {_show(m)}")
    if "envVariables" in entry:
        env = entry["envVariables"]
        if not isinstance(env, dict):
            raise ManifestError(f"{where}{dot}envVariables must be an object of strings, got {_show(env)}")
        for key, value in env.items():
            if not _ENV_KEY.match(key):
                raise ManifestError(f"{where}{dot}envVariables key {key!r} is not a valid variable name")
            if not isinstance(value, str):
                raise ManifestError(f"{where}{dot}envVariables.{key} must be a string, got {_show(value)}")
            _check_env_value(value, f"{where}{dot}envVariables.{key}", entry.get("name") if manifest else None, where)
        size = sum(len(k.encode()) + len(v.encode()) for k, v in env.items())
        if size > ENV_VARIABLES_MAX_BYTES:
            raise ManifestError(f"{where}{dot}envVariables must total at most 4 KB, got {size} bytes")
    if "installDependency" in entry and not isinstance(entry["installDependency"], bool):
        raise ManifestError(f"{where}{dot}installDependency must be true or false, got {_show(entry['installDependency'])}")
    if "description" in entry and not isinstance(entry["description"], str):
        raise ManifestError(f"{where}{dot}description must be a string, got {_show(entry['description'])}")


def _check_env_value(value: str, where: str, name: Optional[str], label: str) -> None:
    """Refuse what no process environment can hold: a NUL, or text that is not UTF-8 (a lone surrogate)."""
    if "\x00" in value:
        problem = "contains a NUL character"
    else:
        try:
            value.encode("utf-8")
            return
        except UnicodeEncodeError:
            problem = "contains a lone surrogate (not UTF-8 text)"
    function = repr(name) if name else repr(os.path.basename(os.path.dirname(os.path.abspath(label.rstrip(":")))))
    raise ManifestError(f"{where} of function {function} {problem}, which no environment variable can hold")


def _resolve(name: str, directory: str, entry: Mapping[str, Any], listed: bool) -> Function:
    own = read_function_config(directory)
    merged: Dict[str, Any] = {}
    for source in (own, entry):
        for key, value in source.items():
            if key == "envVariables":
                merged.setdefault("envVariables", {}).update(value)
            else:
                merged[key] = value
    openapi = own.get("permissions", {}).get("openapi", [])
    fn = Function(
        name=name,
        directory=directory,
        runtime=merged.get("runtime", DEFAULT_RUNTIME),
        handler=merged.get("handler", DEFAULT_HANDLER),
        timeout=merged.get("timeout", DEFAULT_TIMEOUT),
        memory_size=merged.get("memorySize", DEFAULT_MEMORY),
        env_variables=dict(merged.get("envVariables", {})),
        install_dependency=merged.get("installDependency", True),
        description=merged.get("description", ""),
        permissions=tuple(dict.fromkeys(openapi)),
        listed=listed,
    )
    module_file = os.path.join(directory, fn.handler_module + ".py")
    if not os.path.isfile(module_file) and not os.path.isdir(os.path.join(directory, fn.handler_module)):
        raise ManifestError(f"{_rel(directory)}: handler {fn.handler!r} needs {fn.handler_module}.py in the function folder")
    return fn


def _read_json(path: str, label: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise ManifestError(f"{label}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except OSError as e:
        raise ManifestError(f"{label}: cannot read: {e.strerror}") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _rel(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith(".." + os.sep + "..") else rel
