"""Transports by name, imported only when chosen (a cold start pays for one)."""

from __future__ import annotations

import importlib
from typing import Dict

from .base import Request, Response, Transport

REGISTRY: Dict[str, str] = {
    "https": "cloudfn.transports.https:HttpsTransport",
    "cloudbase": "cloudfn.transports.cloudbase:CloudbaseTransport",
    "cloudcall": "cloudfn.transports.cloudcall:CloudcallTransport",
}


def load(name: str) -> type:
    module, _, cls = REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module), cls)


__all__ = ["REGISTRY", "Request", "Response", "Transport", "load"]
