"""The emulator's own request-line and header reader: what it refuses (ambiguous or malformed
framing) and that keep-alive, HTTP/1.0 and ``Expect: 100-continue`` still work."""

from __future__ import annotations

import io
import socket
from typing import Iterator

import pytest

from cloudfn.emulator import Emulator, running
from cloudfn.emulator.server import HeaderError, read_headers

from .test_emulator_guard import raw_request

HEALTH = b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with running() as emulator:
        yield emulator


def test_read_headers_joins_repeats_and_looks_up_by_any_case() -> None:
    headers = read_headers(io.BytesIO(b"Content-Type: a/b\r\nX-A: 1\r\nx-a:  2 \r\n\r\nbody"))
    assert headers.get("CONTENT-TYPE") == "a/b" and headers["x-a"] == "1, 2" and "X-A" in headers


@pytest.mark.parametrize("block, status", [
    (b"Host : x\r\n\r\n", 400),  # whitespace between name and colon (RFC 9112 5.1)
    (b"X-A: 1\r\n folded\r\n\r\n", 400),  # obsolete line folding
    (b"no colon here\r\n\r\n", 400),
    (b"X-A: " + b"a" * 70000 + b"\r\n\r\n", 431),
    (b"".join(b"X-%d: 1\r\n" % i for i in range(101)) + b"\r\n", 431),
])
def test_read_headers_refuses_malformed_or_oversized_blocks(block: bytes, status: int) -> None:
    with pytest.raises(HeaderError) as err:
        read_headers(io.BytesIO(block))
    assert err.value.status == status


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n", 403),  # two Hosts: refused, none picked
    (b"POST /_emulator/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 20\r\n\r\n{}", 400),
    (b"GET /_emulator/health HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 505),
    (b"GET /_emulator/health\r\n\r\n", 400),
    (b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: 1\r\n\r\n", 400),
    (b"GET /_emulator/health?" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414),  # whole head within the read limit
    (b"GET /_emulator/health?" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414),  # beyond it
])
def test_ambiguous_or_malformed_requests_get_a_json_error(emu: Emulator, request_bytes: bytes, status: int) -> None:
    got, data = raw_request(emu, request_bytes)
    assert got == status and b'"errcode":' in data and b"Connection: close" in data


def test_keep_alive_http10_and_expect_continue(emu: Emulator) -> None:
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        for _ in range(3):  # three requests on one connection
            sock.sendall(HEALTH + b"\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 200 OK\r\n")
    status, data = raw_request(emu, b"GET /_emulator/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    assert status == 200 and b"Connection: close" in data  # HTTP/1.0 without keep-alive ends after one reply
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        sock.sendall(b"POST /_emulator/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(b"{}")
        assert b'"ok":true' in sock.recv(4096)
