"""Keep secrets out of logs, reprs and error messages.

``redact(text)`` masks credential query parameters and JSON fields, plus every secret
value registered with :func:`register` (app secrets, tokens as they are fetched) and the
``extra_secrets`` of one call (:func:`call_secrets`: the passwords in its own body).
:func:`install_log_filter` puts the same masking on urllib3's and requests' loggers,
which otherwise print full request URLs, ``?access_token=...`` included, at DEBUG.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from typing import Any, Iterable, List

MASK = "***"
# A key that names a credential: password, passwd, pwd, secret, token, api_key, credential...
SECRET_NAME = re.compile(r"password|passwd|pwd|secret|token|api_?key|credential|signature|authorization", re.IGNORECASE)
_NAME = r"[A-Za-z_]*(?:password|passwd|pwd|secret|token|api_?key|credential)[A-Za-z_]*"
_PARAM = re.compile(r"(" + _NAME + r"=)[^&\s'\"]+", re.IGNORECASE)
_JSON_FIELD = re.compile(r"(\"" + _NAME + r"\"\s*:\s*\")[^\"]*", re.IGNORECASE)
MIN_SECRET = 4  # shorter values are not masked by value (they would mask ordinary text)
_secrets: "OrderedDict[str, None]" = OrderedDict()
_lock = threading.Lock()
_MAX_SECRETS = 256


def register(*values: object) -> None:
    """Remember secret values so that they are masked wherever they appear."""
    with _lock:
        for value in values:
            if isinstance(value, str) and len(value) >= MIN_SECRET:
                _secrets[value] = None
                _secrets.move_to_end(value)
        while len(_secrets) > _MAX_SECRETS:
            _secrets.popitem(last=False)


def redact(text: str, extra_secrets: Iterable[str] = ()) -> str:
    """``text`` with every credential masked: registered secrets, ``extra_secrets``, credential fields.

    ``extra_secrets`` are the values only this text may contain (the call's password, the app
    secret a token request sent); like registered values, shorter than 4 characters are kept.
    """
    with _lock:
        values = list(_secrets)
    values.extend(v for v in extra_secrets if isinstance(v, str) and len(v) >= MIN_SECRET)
    for value in sorted(values, key=len, reverse=True):  # a longer secret first: one may contain another
        if value in text:
            text = text.replace(value, MASK)
    text = _PARAM.sub(r"\1" + MASK, text)
    return _JSON_FIELD.sub(r"\1" + MASK, text)


def call_secrets(data: Any, secret_fields: Iterable[str] = ()) -> List[str]:
    """The secret values in a call's wire body: fields named like a credential or listed in ``secret_fields``.

    Walks the whole body (iteratively); string values only. The model marks secret fields
    (``"secret": true``); :func:`model_secret_fields` lists their names.
    """
    named = set(secret_fields) | model_secret_fields()
    out: List[str] = []
    stack: List[Any] = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, str):
                    if isinstance(key, str) and (key in named or SECRET_NAME.search(key)):
                        out.append(value)
                elif isinstance(value, (dict, list, tuple)):
                    stack.append(value)
        elif isinstance(item, (list, tuple)):
            stack.extend(v for v in item if isinstance(v, (dict, list, tuple)))
    return out


_model_fields: "set[str] | None" = None


def model_secret_fields() -> "set[str]":
    """Wire names of every field the model marks ``"secret": true`` (read once)."""
    global _model_fields
    if _model_fields is None:
        from . import spec  # only on an error path: keeps this module light

        names: "set[str]" = set()
        stack: List[Any] = [m["request"] for m in spec.methods().values()]
        while stack:
            fields = stack.pop()
            for name, field in fields.items():
                if field.get("secret"):
                    names.add(name)
                if "fields" in field:
                    stack.append(field["fields"])
                if "fields" in field.get("items", {}):
                    stack.append(field["items"]["fields"])
        _model_fields = names
    return _model_fields


class RedactingFilter(logging.Filter):
    """A logging filter that masks credentials in the rendered message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_LOGGERS = (
    "cloudfn",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.response",
    "urllib3.poolmanager",
    "urllib3.util.retry",
    "requests",
)
_FILTER = RedactingFilter()


def install_log_filter() -> None:
    """Attach the masking filter to cloudfn's, urllib3's and requests' loggers (idempotent)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
