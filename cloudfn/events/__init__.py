"""Message-push events of the logistics API: verify, decrypt, dispatch, reply.

Not imported by ``import cloudfn``; ``cryptography`` loads only for safe-mode messages.
See ``dispatch`` for the Router, ``parse`` for the input forms and the order of checks,
``config`` for the settings, ``crypto`` for the signature and AES details, ``wire`` and
``xml_reader`` for the body formats, ``tables`` for the events, ``errors`` for the codes.
"""

from __future__ import annotations

from .config import DEFAULT_MAX_AGE, DEFAULT_MAX_BODY, NonceCache, PushConfig
from .crypto import decrypt, encrypt, encrypted_reply, msg_signature, signature
from .dispatch import ALIASES, PROVIDER_EVENTS, Router, event_name, provider_reply
from .errors import EVENT_ERR_CODE, http_status
from .parse import Message, parse, parse_http
from .wire import from_xml, to_xml

__all__ = [
    "ALIASES",
    "DEFAULT_MAX_AGE",
    "DEFAULT_MAX_BODY",
    "EVENT_ERR_CODE",
    "PROVIDER_EVENTS",
    "Message",
    "NonceCache",
    "PushConfig",
    "Router",
    "decrypt",
    "encrypt",
    "encrypted_reply",
    "event_name",
    "from_xml",
    "http_status",
    "msg_signature",
    "parse",
    "parse_http",
    "provider_reply",
    "signature",
    "to_xml",
]
