"""``cloudfn.aio``'s ``cloud.openapi``: Node's proxy, every method a coroutine function.

Options (``convertCase``, ``appid``, ``version``) are checked by the sync proxy, so both APIs
accept and refuse exactly the same ones. A bad call raises when awaited, as Node's promise rejects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Coroutine, Dict, Mapping, Optional

from .. import core, spec

if TYPE_CHECKING:
    from .cloud import Cloud

Result = Dict[str, Any]


class OpenAPI:
    """``cloud.openapi`` bound to an async :class:`~cloudfn.aio.Cloud`."""

    def __init__(self, cloud: "Cloud", convert_case: bool = True, appid: Optional[str] = None, version: Optional[str] = None) -> None:
        self._cloud = cloud
        self._convert_case = convert_case
        self._appid = appid
        self._version = version
        self._namespaces: Dict[str, _Namespace] = {}

    def __call__(self, options: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> "OpenAPI":
        checked = core.OpenAPI(None, self._convert_case, self._appid, self._version)(options, **kwargs)
        return OpenAPI(self._cloud, checked._convert_case, checked._appid, checked._version)

    def __getattr__(self, namespace: str) -> "_Namespace":
        if namespace.startswith("__"):
            raise AttributeError(namespace)
        found = self._namespaces.get(namespace)
        if found is None:
            found = self._namespaces.setdefault(namespace, _Namespace(self, namespace))
        return found

    def __repr__(self) -> str:
        return f"<cloudfn.aio openapi convertCase={self._convert_case} appid={self._appid!r}>"


class _Namespace:
    def __init__(self, openapi: OpenAPI, namespace: str) -> None:
        self._openapi = openapi
        self._namespace = namespace

    def __getattr__(self, name: str) -> Callable[..., Coroutine[Any, Any, Result]]:
        """The method as a coroutine function, made once and kept on this namespace."""
        if name.startswith("__"):
            raise AttributeError(name)
        call = self._make(name)
        setattr(self, name, call)
        return call

    def _make(self, name: str) -> Callable[..., Coroutine[Any, Any, Result]]:
        api = f"{self._namespace}.{name}"
        openapi = self._openapi

        async def call(data: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Result:
            if kwargs:
                data = {**(data or {}), **kwargs}
            return await openapi._cloud.client().call(api, data, openapi._convert_case, openapi._appid)

        m = spec.method(name) if self._namespace == spec.model()["namespace"] else None
        call.__name__ = name
        call.__qualname__ = f"openapi.{api}"
        call.__doc__ = m["doc"] if m else None
        return call

    def __dir__(self) -> list:
        return sorted(spec.methods()) if self._namespace == spec.model()["namespace"] else []

    def __repr__(self) -> str:
        return f"<cloudfn.aio openapi.{self._namespace}>"
