"""A small protobuf codec for the cloud-call gateway messages (no dependency).

Messages (field numbers as the CloudBase gateway and wx-server-sdk use them):

- ``KeyValuePair``: key = 1 (string), value = 2 (bytes), contenttype = 3, filename = 4.
- ``OpenApiData``: pairs = 1 (repeated KeyValuePair).
- ``CommApiData``: apiType = 1 (int32 enum, 0 = OPEN_API), openapiData = 2, appid = 6.
- ``CommOpenApiResp``: respData = 1 (bytes), contentType = 2 (string), errorCode = 3
  (int32), httpCode = 4 (uint32).

Only wire types 0 (varint), 1 (64-bit), 2 (length-delimited) and 5 (32-bit) exist here;
fields this module does not know are skipped when decoding. Encoding writes fields in
field-number order and, like protobufjs for a field that is set, writes a value even
when it is the default (``apiType`` 0 is sent as ``08 00``); empty optional strings are
left out. Malformed input raises :class:`DecodeError` (a ``ValueError``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Tuple

OPEN_API = 0

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5


class DecodeError(ValueError):
    """The bytes are not a valid encoding of the expected message."""


# --------------------------------------------------------------------------- wire primitives


def encode_varint(value: int) -> bytes:
    """Base-128 varint; negative numbers as their 64-bit two's complement (10 bytes), as int32 is sent."""
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(data: bytes, pos: int) -> Tuple[int, int]:
    """(unsigned value, next position)."""
    result = 0
    shift = 0
    while True:
        if pos >= len(data):
            raise DecodeError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise DecodeError("varint too long")


def _int32(value: int) -> int:
    """An unsigned varint read back as int32 (protobuf truncates to the low 32 bits)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _key(number: int, wire_type: int) -> bytes:
    return encode_varint((number << 3) | wire_type)


def _len_field(number: int, payload: bytes) -> bytes:
    return _key(number, _LEN) + encode_varint(len(payload)) + payload


def _varint_field(number: int, value: int) -> bytes:
    return _key(number, _VARINT) + encode_varint(value)


def iter_fields(data: bytes) -> Iterator[Tuple[int, int, object]]:
    """Yield (field number, wire type, value): an int for varint/fixed fields, bytes for length-delimited."""
    pos = 0
    end = len(data)
    while pos < end:
        key, pos = decode_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise DecodeError("field number 0")
        if wire_type == _VARINT:
            value, pos = decode_varint(data, pos)
            yield number, wire_type, value
        elif wire_type == _LEN:
            length, pos = decode_varint(data, pos)
            if pos + length > end:
                raise DecodeError("truncated length-delimited field")
            yield number, wire_type, bytes(data[pos:pos + length])
            pos += length
        elif wire_type == _I64:
            if pos + 8 > end:
                raise DecodeError("truncated 64-bit field")
            yield number, wire_type, int.from_bytes(data[pos:pos + 8], "little")
            pos += 8
        elif wire_type == _I32:
            if pos + 4 > end:
                raise DecodeError("truncated 32-bit field")
            yield number, wire_type, int.from_bytes(data[pos:pos + 4], "little")
            pos += 4
        else:
            raise DecodeError(f"unsupported wire type {wire_type}")


def _text(value: object, what: str) -> str:
    if not isinstance(value, bytes):
        raise DecodeError(f"{what}: expected a length-delimited field")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise DecodeError(f"{what}: invalid UTF-8") from None


def _blob(value: object, what: str) -> bytes:
    if not isinstance(value, bytes):
        raise DecodeError(f"{what}: expected a length-delimited field")
    return value


def _number(value: object, wire_type: int, what: str) -> int:
    if wire_type != _VARINT or not isinstance(value, int):
        raise DecodeError(f"{what}: expected a varint field")
    return value


# --------------------------------------------------------------------------- messages


@dataclass
class KeyValuePair:
    key: str
    value: bytes
    contenttype: str = ""
    filename: str = ""

    def encode(self) -> bytes:
        out = _len_field(1, self.key.encode("utf-8")) + _len_field(2, bytes(self.value))
        if self.contenttype:
            out += _len_field(3, self.contenttype.encode("utf-8"))
        if self.filename:
            out += _len_field(4, self.filename.encode("utf-8"))
        return out

    @classmethod
    def decode(cls, data: bytes) -> "KeyValuePair":
        pair = cls("", b"")
        for number, _, value in iter_fields(data):
            if number == 1:
                pair.key = _text(value, "KeyValuePair.key")
            elif number == 2:
                pair.value = _blob(value, "KeyValuePair.value")
            elif number == 3:
                pair.contenttype = _text(value, "KeyValuePair.contenttype")
            elif number == 4:
                pair.filename = _text(value, "KeyValuePair.filename")
        return pair


@dataclass
class CommApiData:
    """The ``requestData`` of action ``wx.openApi``."""

    pairs: List[KeyValuePair] = field(default_factory=list)
    api_type: int = OPEN_API
    appid: Optional[str] = None

    def encode(self) -> bytes:
        openapi = b"".join(_len_field(1, pair.encode()) for pair in self.pairs)
        out = _varint_field(1, self.api_type) + _len_field(2, openapi)
        if self.appid:
            out += _len_field(6, self.appid.encode("utf-8"))
        return out

    @classmethod
    def decode(cls, data: bytes) -> "CommApiData":
        message = cls()
        for number, wire_type, value in iter_fields(data):
            if number == 1:
                message.api_type = _int32(_number(value, wire_type, "CommApiData.apiType"))
            elif number == 2:
                for inner, _, pair in iter_fields(_blob(value, "CommApiData.openapiData")):
                    if inner == 1:
                        message.pairs.append(KeyValuePair.decode(_blob(pair, "OpenApiData.pairs")))
            elif number == 6:
                message.appid = _text(value, "CommApiData.appid")
        return message


@dataclass
class CommOpenApiResp:
    """The gateway's binary reply to ``wx.openApi``."""

    resp_data: bytes = b""
    content_type: str = ""
    error_code: int = 0
    http_code: int = 0

    def encode(self) -> bytes:
        out = b""
        if self.resp_data:
            out += _len_field(1, self.resp_data)
        if self.content_type:
            out += _len_field(2, self.content_type.encode("utf-8"))
        if self.error_code:
            out += _varint_field(3, self.error_code)
        if self.http_code:
            out += _varint_field(4, self.http_code)
        return out

    @classmethod
    def decode(cls, data: bytes) -> "CommOpenApiResp":
        message = cls()
        for number, wire_type, value in iter_fields(data):
            if number == 1:
                message.resp_data = _blob(value, "CommOpenApiResp.respData")
            elif number == 2:
                message.content_type = _text(value, "CommOpenApiResp.contentType")
            elif number == 3:
                message.error_code = _int32(_number(value, wire_type, "CommOpenApiResp.errorCode"))
            elif number == 4:
                message.http_code = _number(value, wire_type, "CommOpenApiResp.httpCode") & 0xFFFFFFFF
        return message
