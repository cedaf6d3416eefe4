"""Keep secrets out of logs, reprs and error messages.

``redact(text)`` masks credential query parameters and JSON fields, plus every secret
value registered with :func:`register` (app secrets, tokens as they are fetched).
:func:`install_log_filter` puts the same masking on urllib3's and requests' loggers,
which otherwise print full request URLs, ``?access_token=...`` included, at DEBUG.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict

MASK = "***"
_PARAM = re.compile(
    r"((?:access_token|cloudbase_access_token|secret|appsecret|password|wxCloudApiToken|token)=)[^&\s'\"]+",
    re.IGNORECASE,
)
_JSON_FIELD = re.compile(
    r"(\"(?:access_token|cloudbase_access_token|secret|password|BizPwd|biz_pwd|bizPwd)\"\s*:\s*\")[^\"]*",
)
_secrets: "OrderedDict[str, None]" = OrderedDict()
_lock = threading.Lock()
_MAX_SECRETS = 256


def register(*values: object) -> None:
    """Remember secret values so that they are masked wherever they appear."""
    with _lock:
        for value in values:
            if isinstance(value, str) and len(value) >= 4:
                _secrets[value] = None
                _secrets.move_to_end(value)
        while len(_secrets) > _MAX_SECRETS:
            _secrets.popitem(last=False)


def redact(text: str) -> str:
    """``text`` with every credential masked."""
    text = _PARAM.sub(r"\1" + MASK, text)
    text = _JSON_FIELD.sub(r"\1" + MASK, text)
    if _secrets:
        with _lock:
            values = list(_secrets)
        for value in values:
            if value in text:
                text = text.replace(value, MASK)
    return text


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
