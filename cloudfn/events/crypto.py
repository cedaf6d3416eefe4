"""WeChat message-push signatures and safe-mode (AES) encryption.

- ``signature`` = SHA-1 hex of token, timestamp and nonce, sorted and concatenated.
- ``msg_signature`` = the same over token, timestamp, nonce and the ``Encrypt`` text.
- AES key = base64-decode(EncodingAESKey + "=") (43 characters -> 32 bytes); AES-256-CBC,
  IV = the first 16 key bytes, PKCS#7 padding to a 32-byte block; plaintext =
  random(16) + 4-byte big-endian length + message + appid.

``cryptography`` is imported only when something is encrypted or decrypted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
import time
from typing import Any, Dict, Optional, Union

from .errors import (
    DECODE_BASE64_ERROR,
    DECRYPT_AES_ERROR,
    ENCRYPT_AES_ERROR,
    ILLEGAL_AES_KEY,
    ILLEGAL_BUFFER,
    VALIDATE_APPID_ERROR,
    push_error,
)

BLOCK = 32  # WeChat pads to the key size, not to the 16-byte AES block


def sha1_sign(*parts: Any) -> str:
    """SHA-1 hex of the parts (as strings), sorted and concatenated."""
    return hashlib.sha1("".join(sorted(str(p) for p in parts)).encode("utf-8")).hexdigest()


def signature(token: str, timestamp: Union[str, int], nonce: Union[str, int]) -> str:
    """The ``signature`` query parameter."""
    return sha1_sign(token, timestamp, nonce)


def msg_signature(token: str, timestamp: Union[str, int], nonce: Union[str, int], encrypt: str) -> str:
    """The ``msg_signature`` query parameter (safe mode)."""
    return sha1_sign(token, timestamp, nonce, encrypt)


def same(a: Optional[str], b: str) -> bool:
    """Constant-time comparison of two hex signatures (case-insensitive)."""
    return isinstance(a, str) and hmac.compare_digest(a.lower().encode("ascii", "replace"), b.lower().encode("ascii"))


def aes_key(encoding_aes_key: Optional[str]) -> bytes:
    """The 32-byte AES key from a 43-character EncodingAESKey."""
    if not encoding_aes_key or len(encoding_aes_key) != 43:
        raise push_error(ILLEGAL_AES_KEY, "EncodingAESKey must be 43 characters (WX_PUSH_AES_KEY)")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise push_error(ILLEGAL_AES_KEY, "EncodingAESKey is not base64 text") from None
    if len(key) != 32:
        raise push_error(ILLEGAL_AES_KEY, "EncodingAESKey does not decode to 32 bytes")
    return key


def _cipher(key: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # lazy: only safe mode needs it

    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt(message: Union[str, bytes], encoding_aes_key: str, appid: str, random16: Optional[bytes] = None) -> str:
    """Base64 ciphertext of ``message`` for ``appid`` (``random16`` fixed only for tests)."""
    key = aes_key(encoding_aes_key)
    msg = message.encode("utf-8") if isinstance(message, str) else bytes(message)
    rnd = os.urandom(16) if random16 is None else bytes(random16)
    if len(rnd) != 16:
        raise push_error(ENCRYPT_AES_ERROR, "random prefix must be 16 bytes")
    plain = rnd + struct.pack(">I", len(msg)) + msg + appid.encode("utf-8")
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    enc = _cipher(key).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode("ascii")


def decrypt_with_appid(encrypted: str, encoding_aes_key: str) -> "tuple[bytes, str]":
    """(message, appid) from a base64 ciphertext; raises CloudSDKError on any malformation."""
    key = aes_key(encoding_aes_key)
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise push_error(DECODE_BASE64_ERROR, "Encrypt is not base64 text") from None
    if not raw or len(raw) % 16:
        raise push_error(DECRYPT_AES_ERROR, f"ciphertext length {len(raw)} is not a positive multiple of 16")
    dec = _cipher(key).decryptor()
    plain = dec.update(raw) + dec.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise push_error(DECRYPT_AES_ERROR, "bad padding (wrong key or tampered ciphertext)")
    plain = plain[:-pad]
    if len(plain) < 20:
        raise push_error(ILLEGAL_BUFFER, "decrypted text shorter than its 20-byte header")
    (length,) = struct.unpack(">I", plain[16:20])
    if 20 + length > len(plain):
        raise push_error(ILLEGAL_BUFFER, "length field exceeds the decrypted text")
    message = plain[20 : 20 + length]
    try:
        appid = plain[20 + length :].decode("utf-8")
    except UnicodeDecodeError:
        raise push_error(ILLEGAL_BUFFER, "appid tail is not UTF-8") from None
    return message, appid


def decrypt(encrypted: str, encoding_aes_key: str, appid: Optional[str]) -> bytes:
    """The message inside ``encrypted``; its appid must equal ``appid``."""
    message, got = decrypt_with_appid(encrypted, encoding_aes_key)
    if not appid:
        raise push_error(VALIDATE_APPID_ERROR, "no appid configured to check the ciphertext against (WX_APPID)")
    if not hmac.compare_digest(got.encode("utf-8"), appid.encode("utf-8")):
        raise push_error(VALIDATE_APPID_ERROR, "the ciphertext was made for another appid")
    return message


def encrypted_reply(
    message: Union[str, bytes],
    token: str,
    encoding_aes_key: str,
    appid: str,
    nonce: Union[str, int],
    timestamp: Optional[int] = None,
    random16: Optional[bytes] = None,
) -> Dict[str, Any]:
    """WeChat's safe-mode reply: ``{Encrypt, MsgSignature, TimeStamp, Nonce}``."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    enc = encrypt(message, encoding_aes_key, appid, random16)
    return {"Encrypt": enc, "MsgSignature": msg_signature(token, ts, nonce, enc), "TimeStamp": ts, "Nonce": str(nonce)}
