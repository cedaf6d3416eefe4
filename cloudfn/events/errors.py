"""Error codes of message-push verification and decryption.

-40001 .. -40011 are the return codes of WeChat's own message-crypt sample library
(``WXBizMsgCrypt``, downloadable from the message-push docs), so a failure reads the same
as in WeChat's PHP/Java/Python samples. -40012 .. -40014 are cloudfn's additions for the
checks the sample does not make (stale timestamp, replayed nonce, oversized body). Every
failure is raised as ``cloudfn.CloudSDKError(errCode, errMsg)``; no handler runs. Over HTTP a
rejection is answered 413 for an oversized body and 403 for everything else (``http_status``).
"""

from __future__ import annotations

from typing import Dict

from ..errors import CloudSDKError

VALIDATE_SIGNATURE_ERROR = -40001  # signature / msg_signature missing or wrong
PARSE_ERROR = -40002  # body is not the JSON / XML a push carries
COMPUTE_SIGNATURE_ERROR = -40003  # no token configured, so nothing can be verified
ILLEGAL_AES_KEY = -40004  # EncodingAESKey missing or not 43 base64 characters
VALIDATE_APPID_ERROR = -40005  # decrypted appid is not ours (or no appid configured)
ENCRYPT_AES_ERROR = -40006
DECRYPT_AES_ERROR = -40007  # ciphertext does not decrypt (wrong key, tampered, bad length)
ILLEGAL_BUFFER = -40008  # decrypted buffer malformed (padding, length field)
DECODE_BASE64_ERROR = -40010
STALE_TIMESTAMP = -40012  # cloudfn: timestamp outside the accepted window
REPLAYED_MESSAGE = -40013  # cloudfn: (timestamp, nonce) already accepted within the window
BODY_TOO_LARGE = -40014  # cloudfn: body above the accepted size, refused unread

EVENT_ERR_CODE: Dict[int, str] = {
    VALIDATE_SIGNATURE_ERROR: "signature validation failed",
    PARSE_ERROR: "message parse failed",
    COMPUTE_SIGNATURE_ERROR: "cannot compute signature",
    ILLEGAL_AES_KEY: "illegal EncodingAESKey",
    VALIDATE_APPID_ERROR: "appid validation failed",
    ENCRYPT_AES_ERROR: "aes encrypt failed",
    DECRYPT_AES_ERROR: "aes decrypt failed",
    ILLEGAL_BUFFER: "illegal decrypted buffer",
    DECODE_BASE64_ERROR: "base64 decode failed",
    STALE_TIMESTAMP: "stale timestamp",
    REPLAYED_MESSAGE: "replayed message",
    BODY_TOO_LARGE: "body too large",
}


def http_status(code: int) -> int:
    """The HTTP status answering a rejection: 413 for an oversized body, else 403."""
    return 413 if code == BODY_TOO_LARGE else 403


def push_error(code: int, detail: str) -> CloudSDKError:
    """``CloudSDKError(code, "message push rejected: <description>: <detail>")``."""
    return CloudSDKError(code, f"message push rejected: {EVENT_ERR_CODE.get(code, 'error')}: {detail}")
