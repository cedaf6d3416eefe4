"""Message-push signatures and safe-mode AES against WeChat's documented example values.

Every constant below is copied from the worked example of the official message-push page
(https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/message-push.html,
sections 发起验证 / 明文模式 / 安全模式): Token "AAAAA", EncodingAESKey 43 x "A",
appid "wxba5fad812f8e6fb9".
"""

from __future__ import annotations

import base64
import json
import struct
import subprocess
import sys

import pytest

from cloudfn import CloudSDKError
from cloudfn.events import crypto, errors

TOKEN = "AAAAA"
AES_KEY = "A" * 43
APPID = "wxba5fad812f8e6fb9"
# URL verification (GET)
VERIFY = {"timestamp": "1714036504", "nonce": "1514711492", "signature": "f464b24fc39322e44b38aa78f5edd27bd1441696"}
# plain-mode POST
PLAIN = {"timestamp": "1714037059", "nonce": "486452656", "signature": "899cf89e464efb63f54ddac96b0a0a235f53aa78"}
# safe-mode POST
SAFE_QUERY = {
    "signature": "6c5c811b55cc85e0e1b54100749188c20beb3f5d",
    "timestamp": "1714112445",
    "nonce": "415670741",
    "openid": "o9AgO5Kd5ggOC-bXrbNODIiE3bGY",
    "encrypt_type": "aes",
    "msg_signature": "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3",
}
SAFE_ENCRYPT = (
    "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT"
    "740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8Y"
    "L/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04="
)
SAFE_MESSAGE = (
    b'{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY","CreateTime":1714112445,'
    b'"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}'
)
# the encrypted reply of the same example
REPLY_RANDOM = b"707722b803182950"
REPLY_MESSAGE = '{"demo_resp":"good luck"}'
REPLY = {
    "Encrypt": "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==",
    "MsgSignature": "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1",
    "TimeStamp": 1713424427,
    "Nonce": "415670741",
}


def test_url_verification_signature_matches_the_docs():
    assert crypto.signature(TOKEN, VERIFY["timestamp"], VERIFY["nonce"]) == VERIFY["signature"]


def test_plain_mode_signature_matches_the_docs():
    assert crypto.signature(TOKEN, PLAIN["timestamp"], PLAIN["nonce"]) == PLAIN["signature"]
    assert crypto.signature(TOKEN, PLAIN["timestamp"], PLAIN["nonce"]) != crypto.signature("AAAAB", PLAIN["timestamp"], PLAIN["nonce"])


def test_safe_mode_signatures_match_the_docs():
    assert crypto.signature(TOKEN, SAFE_QUERY["timestamp"], SAFE_QUERY["nonce"]) == SAFE_QUERY["signature"]
    assert crypto.msg_signature(TOKEN, SAFE_QUERY["timestamp"], SAFE_QUERY["nonce"], SAFE_ENCRYPT) == SAFE_QUERY["msg_signature"]


def test_decrypting_the_documented_ciphertext_gives_the_documented_message_and_appid():
    message, appid = crypto.decrypt_with_appid(SAFE_ENCRYPT, AES_KEY)
    assert message == SAFE_MESSAGE
    assert appid == APPID
    assert len(message) == 167  # msg_len in the docs
    assert crypto.decrypt(SAFE_ENCRYPT, AES_KEY, APPID) == SAFE_MESSAGE


def test_documented_buffer_layout_random_length_message_appid():
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.b64decode(AES_KEY + "=")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    raw = base64.b64decode(SAFE_ENCRYPT)
    assert len(raw) == 224  # TmpMsg in the docs
    full = dec.update(raw) + dec.finalize()
    full = full[: -full[-1]]
    assert len(full) == 205  # FullStr in the docs
    assert full[:16] == b"a8eedb185eb2fecf"
    assert struct.unpack(">I", full[16:20]) == (167,)


def test_encrypted_reply_reproduces_the_documented_reply_exactly():
    reply = crypto.encrypted_reply(REPLY_MESSAGE, TOKEN, AES_KEY, APPID, nonce="415670741", timestamp=1713424427, random16=REPLY_RANDOM)
    assert reply == REPLY
    assert len(base64.b64decode(reply["Encrypt"])) == 64  # 63 bytes padded to a 32-byte multiple


@pytest.mark.parametrize("size", [0, 1, 11, 12, 13, 44, 45, 100, 1000])
def test_round_trip_and_padding_to_32_bytes(size):
    msg = json.dumps({"x": "字" * size}, ensure_ascii=False)
    enc = crypto.encrypt(msg, AES_KEY, APPID)
    assert len(base64.b64decode(enc)) % 32 == 0
    assert crypto.decrypt(enc, AES_KEY, APPID).decode("utf-8") == msg


def test_wrong_appid_in_the_ciphertext_is_rejected():
    enc = crypto.encrypt("{}", AES_KEY, "wx_someone_else")
    with pytest.raises(CloudSDKError) as info:
        crypto.decrypt(enc, AES_KEY, APPID)
    assert info.value.errCode == errors.VALIDATE_APPID_ERROR == -40005
    assert "another appid" in info.value.errMsg


def test_tampered_ciphertext_and_wrong_key_are_rejected():
    raw = bytearray(base64.b64decode(SAFE_ENCRYPT))
    raw[-1] ^= 0x01  # last block: breaks the padding
    with pytest.raises(CloudSDKError) as info:
        crypto.decrypt(base64.b64encode(bytes(raw)).decode(), AES_KEY, APPID)
    assert info.value.errCode in (errors.DECRYPT_AES_ERROR, errors.ILLEGAL_BUFFER)
    with pytest.raises(CloudSDKError) as info:
        crypto.decrypt(SAFE_ENCRYPT, "B" * 43, APPID)
    assert info.value.errCode in (errors.DECRYPT_AES_ERROR, errors.ILLEGAL_BUFFER, errors.VALIDATE_APPID_ERROR)
    with pytest.raises(CloudSDKError) as info:
        crypto.decrypt("not base64!!", AES_KEY, APPID)
    assert info.value.errCode == errors.DECODE_BASE64_ERROR


@pytest.mark.parametrize("key", ["", "A" * 42, "A" * 44, "!" * 43])
def test_encoding_aes_key_must_be_43_base64_characters(key):
    with pytest.raises(CloudSDKError) as info:
        crypto.encrypt("{}", key, APPID)
    assert info.value.errCode == errors.ILLEGAL_AES_KEY
    assert key not in info.value.errMsg or not key


def test_signature_comparison_is_case_insensitive_and_rejects_none():
    assert crypto.same(PLAIN["signature"].upper(), PLAIN["signature"])
    assert not crypto.same(None, PLAIN["signature"])
    assert not crypto.same(PLAIN["signature"][:-1] + "0", PLAIN["signature"])


def test_importing_cloudfn_or_cloudfn_events_does_not_import_cryptography():
    code = (
        "import sys, cloudfn, cloudfn.events\n"
        "print('cryptography' in sys.modules)\n"
        "cloudfn.events.signature('a', 1, 2)\n"
        "print('cryptography' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
    code = "import sys, cloudfn\nprint('cloudfn.events' in sys.modules)\n"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
