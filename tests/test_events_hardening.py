"""Attacks on the message-push receiver (issue 11, items 1-3): each performs the attack and
asserts it is refused with a CloudSDKError (an HTTP 403/413 through the gateway), no handler run."""

from __future__ import annotations

import base64
import json
import time
from typing import Any, Dict, List

import pytest

from cloudfn import CloudSDKError
from cloudfn.events import PushConfig, Router, crypto, errors, from_xml, http_status, parse_http, to_xml
from tests.test_events_crypto import AES_KEY, APPID, TOKEN
from tests.test_events_dispatch import ADD_EVENT, PATH_EVENT, signed


def router_with(calls: List[Dict[str, Any]], **kw: Any) -> Router:
    kw.setdefault("aes_key", AES_KEY)
    router = Router(token=TOKEN, appid=APPID, **kw)
    router.on("onPathUpdate")(calls.append)
    router.on("onAddOrder")(lambda e: calls.append(e) or {"WayBillID": "SF1"})
    return router


def gateway(query: Dict[str, str], body: bytes, b64: bool = False) -> Dict[str, Any]:
    text = base64.b64encode(body).decode() if b64 else body.decode("utf-8", "surrogatepass")
    return {"httpMethod": "POST", "queryString": query, "headers": {}, "body": text, "isBase64Encoded": b64}


def rejected(router: Router, query: Dict[str, str], body: bytes) -> CloudSDKError:
    with pytest.raises(CloudSDKError) as info:
        router.handle_http("POST", query, body)
    return info.value


def fresh_query(token: str = TOKEN) -> Dict[str, str]:
    ts, nonce = str(int(time.time())), str(time.time_ns())
    return {"timestamp": ts, "nonce": nonce, "signature": crypto.signature(token, ts, nonce)}


# ---------------------------------------------------------------- 1. safe-mode downgrade


def test_plaintext_push_with_the_query_of_a_safe_mode_push_is_refused():
    calls: List[Dict[str, Any]] = []
    router = router_with(calls)
    query, _ = signed(json.dumps(PATH_EVENT).encode(), aes=True)  # a URL seen in an access log
    plain = {k: query[k] for k in ("signature", "timestamp", "nonce")}
    forged = json.dumps(dict(PATH_EVENT, WayBillId="FORGED")).encode()
    err = rejected(router, plain, forged)
    assert err.errCode == errors.VALIDATE_SIGNATURE_ERROR == -40001
    assert "encrypt" in err.errMsg.lower() and "compat" in err.errMsg
    out = router.main_handler(gateway(plain, forged), None)
    assert out["statusCode"] == 403 and json.loads(out["body"])["errCode"] == -40001
    assert calls == []


@pytest.mark.parametrize("drop", ["encrypt_type", "msg_signature"])
def test_safe_mode_needs_encrypt_type_and_msg_signature(drop):
    calls: List[Dict[str, Any]] = []
    router = router_with(calls)
    query, body = signed(json.dumps(PATH_EVENT).encode(), aes=True)
    del query[drop]
    assert rejected(router, query, body).errCode == errors.VALIDATE_SIGNATURE_ERROR
    assert calls == []


def test_encrypt_type_raw_is_plaintext_and_refused_with_a_key():
    calls: List[Dict[str, Any]] = []
    query, body = signed(json.dumps(PATH_EVENT).encode())
    query["encrypt_type"] = "raw"
    assert rejected(router_with(calls), query, body).errCode == -40001
    assert router_with(calls, compat=True).handle_http("POST", query, body)[0] == 200 and len(calls) == 1


def test_compat_mode_is_an_explicit_option_that_accepts_plain_pushes():
    calls: List[Dict[str, Any]] = []
    router = router_with(calls, compat=True)
    query, body = signed(json.dumps(PATH_EVENT).encode())
    assert router.handle_http("POST", query, body)[2] == b"success"
    query, body = signed(json.dumps(PATH_EVENT).encode(), aes=True)  # and safe-mode pushes as before
    assert router.handle_http("POST", query, body)[2] == b"success"
    assert calls == [PATH_EVENT, PATH_EVENT]
    assert "compat=True" in repr(router.config)


def test_compat_mode_from_the_environment(monkeypatch):
    monkeypatch.setenv("WX_PUSH_COMPAT", "1")
    assert PushConfig.resolve(token=TOKEN, aes_key=AES_KEY).compat is True
    monkeypatch.setenv("WX_PUSH_COMPAT", "0")
    assert PushConfig.resolve(token=TOKEN, aes_key=AES_KEY).compat is False


def test_a_compat_mode_push_is_read_from_its_ciphertext_not_from_the_clear_copy():
    # compat mode (兼容模式) sends the clear fields and Encrypt side by side, with encrypt_type=aes
    # and msg_signature; msg_signature covers Encrypt only, so the clear copy is not trusted
    calls: List[Dict[str, Any]] = []
    router = router_with(calls)
    query, body = signed(json.dumps(PATH_EVENT).encode(), aes=True)
    outer = dict(PATH_EVENT, WayBillId="FORGED", Encrypt=json.loads(body)["Encrypt"])
    assert router.handle_http("POST", query, json.dumps(outer).encode())[0] == 200
    assert calls == [PATH_EVENT]


def test_a_ciphertext_posted_as_a_plain_push_is_refused():
    calls: List[Dict[str, Any]] = []
    router = router_with(calls, aes_key=None)
    query, _ = signed(b"")
    body = json.dumps({"ToUserName": "gh", "Encrypt": crypto.encrypt(json.dumps(PATH_EVENT), AES_KEY, APPID)}).encode()
    assert rejected(router, query, body).errCode == -40001 and calls == []


def test_without_a_key_a_safe_mode_push_is_refused_before_the_body_is_read():
    calls: List[Dict[str, Any]] = []
    query, _ = signed(json.dumps(PATH_EVENT).encode(), aes=True)
    err = rejected(router_with(calls, aes_key=None), query, b"<not even xml")
    assert err.errCode == errors.ILLEGAL_AES_KEY and calls == []


# ---------------------------------------------------------------- 2. unauthenticated cost, size, depth


def test_the_signature_is_checked_before_the_body_is_parsed():
    calls: List[Dict[str, Any]] = []
    router = router_with(calls, aes_key=None)
    hostile = b"<xml>" + b"<A>x</A>" * 1000 + b"<unclosed>"  # malformed: parsing would answer -40002
    assert rejected(router, fresh_query("not-the-token"), hostile).errCode == -40001
    assert rejected(router, {"timestamp": "1", "nonce": "2"}, b"{").errCode == -40001
    stale = fresh_query()
    stale.update(timestamp="1000", signature=crypto.signature(TOKEN, "1000", stale["nonce"]))
    assert rejected(router, stale, b"{").errCode == errors.STALE_TIMESTAMP  # also before the body
    assert calls == []


def test_a_body_over_the_limit_is_refused_unread_with_413():
    calls: List[Dict[str, Any]] = []
    router = router_with(calls, aes_key=None, max_body=4096)
    query, body = signed(json.dumps(dict(PATH_EVENT, Pad="x" * 5000)).encode())
    err = rejected(router, query, body)
    assert err.errCode == errors.BODY_TOO_LARGE == -40014 and "4096" in err.errMsg
    assert http_status(err.errCode) == 413 and http_status(errors.VALIDATE_SIGNATURE_ERROR) == 403
    for b64 in (False, True):
        query, body = signed(json.dumps(dict(PATH_EVENT, Pad="x" * 5000)).encode())
        out = router.main_handler(gateway(query, body, b64), None)
        assert out["statusCode"] == 413 and json.loads(out["body"])["errCode"] == -40014
    query, body = signed(json.dumps(PATH_EVENT).encode())  # under the limit: fine
    assert router.handle_http("POST", query, body)[0] == 200 and calls == [PATH_EVENT]


def test_the_default_limit_is_one_mebibyte_and_configurable_from_the_environment(monkeypatch):
    assert PushConfig.resolve(token=TOKEN).max_body == 1024 * 1024
    monkeypatch.setenv("WX_PUSH_MAX_BODY", "2048")
    assert PushConfig.resolve(token=TOKEN).max_body == 2048
    query, body = signed(json.dumps(dict(PATH_EVENT, Pad="x" * 3000)).encode())
    assert rejected(Router(token=TOKEN), query, body).errCode == -40014


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b"[" * 5_000 + b"]" * 5_000,
        b'{"Event":"add_express_path","x":' + b"[1," * 600 + b"1" + b"]" * 600 + b"}",
        b"<xml>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</xml>",
        b"<xml>" + b"<a>" * 600 + b"x" + b"</a>" * 600 + b"</xml>",
    ],
    ids=["json-deep-list", "json-deep-object", "json-5000", "json-600", "xml-deep", "xml-600"],
)
def test_deep_nesting_is_a_parse_error_never_a_recursion_error(body):
    calls: List[Dict[str, Any]] = []
    router = router_with(calls, aes_key=None)
    query, _ = signed(b"")
    err = rejected(router, query, body)
    assert err.errCode == errors.PARSE_ERROR and ("deep" in err.errMsg or "too many" in err.errMsg)
    # JSON with more openers than a push holds values is refused before decoding, as too many
    assert "too many" in err.errMsg if body.startswith((b"[" * 6_000, b'{"a":' * 6_000)) else "deeper than 32" in err.errMsg
    query, _ = signed(b"")
    out = router.main_handler(gateway(query, body), None)
    assert out["statusCode"] == 403 and json.loads(out["body"])["errCode"] == errors.PARSE_ERROR
    assert calls == []


def test_deep_nesting_inside_the_ciphertext_is_a_parse_error_too():
    calls: List[Dict[str, Any]] = []
    query, body = signed(b'{"a":' * 5000 + b"1" + b"}" * 5000, aes=True)
    assert rejected(router_with(calls), query, body).errCode == errors.PARSE_ERROR and calls == []


def test_nesting_within_the_limit_is_accepted():
    deep: Any = "leaf"
    for _ in range(20):
        deep = {"n": deep}
    calls: List[Dict[str, Any]] = []
    router = router_with(calls, aes_key=None)
    for body in (json.dumps(dict(PATH_EVENT, Deep=deep)).encode(), to_xml(dict(PATH_EVENT, Deep=deep)).encode()):
        query, _ = signed(b"")
        assert router.handle_http("POST", query, body)[0] == 200
    assert calls[0]["Deep"] == deep and calls[1]["Deep"] == deep


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b'{"Event":"add_express_path","WayBillId":"\\ud800"}', "surrogate"),
        (b'{"Event":"add_express_path","Version":' + b"9" * 5000 + b"}", "JSON"),
        (b'{"Event":"add_express_path","Version":1e999999}', None),
        (b"\xff\xfe\x00\x00", None),
        (b"<xml><Event>\xff</Event></xml>", "XML"),
        (b"", None),
    ],
)
def test_hostile_values_are_parse_errors_or_harmless(body, what):
    calls: List[Dict[str, Any]] = []
    router = router_with(calls, aes_key=None)
    query, _ = signed(b"")
    try:
        status, _, out = router.handle_http("POST", query, body)
    except CloudSDKError as err:
        assert err.errCode == errors.PARSE_ERROR, err
        assert what is None or what in err.errMsg, err.errMsg
        assert calls == []
    else:
        assert what is None and status == 200
        out.decode("utf-8")


@pytest.mark.parametrize(
    "body",
    [
        b"<xml>" + b"<A>x</A>" * 10_000 + b"</xml>",
        b"<xml>" + b"<A/>" * 200_000 + b"</xml>",
        json.dumps({"Event": "x", "A": [1] * 10_000}).encode(),
        json.dumps({"Event": "x", "A": [[] for _ in range(200_000)]}).encode(),
        json.dumps({f"k{i}": 1 for i in range(20_000)}).encode(),
    ],
    ids=["xml-10001", "xml-200k", "json-10002", "json-200k", "json-keys"],
)
def test_more_values_than_a_push_holds_are_refused(body):
    calls: List[Dict[str, Any]] = []
    query, _ = signed(b"")
    err = rejected(router_with(calls, aes_key=None), query, body)
    assert err.errCode == errors.PARSE_ERROR and "too many" in err.errMsg and calls == []


def test_brackets_and_commas_inside_strings_do_not_count_as_values():
    calls: List[Dict[str, Any]] = []
    router = router_with(calls, aes_key=None)
    text = '\\"[{,' * 20_000 + '\\"]'
    query, body = signed(json.dumps(dict(PATH_EVENT, Remark=text, Note=["[,{"] * 100)).encode())
    assert router.handle_http("POST", query, body)[0] == 200
    assert calls[0]["Remark"] == text and calls[0]["Note"] == ["[,{"] * 100


def test_repeated_elements_keep_every_value_in_order():
    body = b"<xml><Event>x</Event>" + b"".join(b"<R>%d</R>" % i for i in range(5000)) + b"<Actions><ActionType>1</ActionType></Actions></xml>"
    got = from_xml(body)
    assert got["R"] == [str(i) for i in range(5000)] and got["Actions"] == [{"ActionType": 1}]
    assert from_xml(b"<xml><R>a</R><R>b</R><R>c</R></xml>") == {"R": ["a", "b", "c"]}


# ---------------------------------------------------------------- 3. DOCTYPE / entities, whatever the encoding

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "EXPANDED-ENTITY"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    "<xml><Event>add_express_path</Event><WayBillId>&a;</WayBillId><OrderId>&d;</OrderId></xml>"
)
INTERNAL = '<!DOCTYPE xml [<!ENTITY e "EXPANDED-ENTITY">]><xml><Event>add_express_path</Event><WayBillId>&e;</WayBillId></xml>'
EXTERNAL = '<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Event>add_express_path</Event><WayBillId>&e;</WayBillId></xml>'
PARAM = "<!DOCTYPE xml [<!ENTITY % p \"<!ENTITY e 'EXPANDED-ENTITY'>\"> %p;]><xml><Event>add_express_path</Event><WayBillId>&e;</WayBillId></xml>"


def encodings(text: str) -> Dict[str, bytes]:
    bare = text.split("?>", 1)[1] if text.startswith("<?xml") else text
    return {
        "utf-8": text.encode("utf-8"),
        "utf-8-bom": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "utf-16le": bare.encode("utf-16-le"),
        "utf-16be": bare.encode("utf-16-be"),
        "utf-16-bom": bare.encode("utf-16"),
        "utf-16le-decl": ('<?xml version="1.0" encoding="UTF-16"?>' + bare).encode("utf-16-le"),
        "utf-16be-bom-decl": b"\xfe\xff" + ('<?xml version="1.0" encoding="UTF-16"?>' + bare).encode("utf-16-be"),
        "latin-1-decl": ('<?xml version="1.0" encoding="ISO-8859-1"?>' + bare).encode("latin-1"),
        "ascii-decl": ('<?xml version="1.0" encoding="US-ASCII"?>' + bare).encode("ascii"),
        "cp1252-decl": ('<?xml version="1.0" encoding="windows-1252"?>' + bare).encode("cp1252"),
        "utf-7-decl": ('<?xml version="1.0" encoding="UTF-7"?>' + bare).encode("utf-7"),
        "leading-space": b"  \n" + text.encode("utf-8"),
    }


CASES = [(f"{kind}-{enc}", body) for kind, text in (("laughs", LAUGHS), ("internal", INTERNAL), ("external", EXTERNAL), ("param", PARAM))
         for enc, body in encodings(text).items()]  # fmt: skip


@pytest.mark.parametrize("body", [b for _, b in CASES], ids=[name for name, _ in CASES])
def test_document_type_declarations_are_refused_in_every_encoding(body):
    calls: List[Dict[str, Any]] = []
    router = router_with(calls, aes_key=None)
    query, _ = signed(b"")
    err = rejected(router, query, body)
    assert err.errCode == errors.PARSE_ERROR
    assert "EXPANDED" not in err.errMsg and calls == []
    with pytest.raises(CloudSDKError):
        from_xml(body)


@pytest.mark.parametrize("enc", ["utf-8", "utf-16le", "latin-1-decl"])
def test_document_type_declarations_are_refused_inside_the_ciphertext(enc):
    calls: List[Dict[str, Any]] = []
    inner = encodings(INTERNAL)[enc]
    ts, nonce = str(int(time.time())), str(time.time_ns())
    encrypted = crypto.encrypt(inner, AES_KEY, APPID)
    query = {"timestamp": ts, "nonce": nonce, "signature": crypto.signature(TOKEN, ts, nonce), "encrypt_type": "aes",
             "msg_signature": crypto.msg_signature(TOKEN, ts, nonce, encrypted)}  # fmt: skip
    body = to_xml({"ToUserName": "gh", "Encrypt": encrypted}).encode()
    assert rejected(router_with(calls), query, body).errCode == errors.PARSE_ERROR and calls == []


@pytest.mark.parametrize("enc", ["utf-8", "utf-16le", "utf-16be", "utf-16-bom", "utf-8-bom", "latin-1-decl"])
def test_an_ordinary_push_reads_the_same_in_every_encoding(enc):
    text = to_xml(dict(PATH_EVENT, Actions=[{"ActionTime": 1, "ActionType": 2, "ActionMsg": "ok"}]))
    body = encodings(text)[enc]
    got = from_xml(body)
    assert got["WayBillId"] == "123456789" and got["Actions"] == [{"ActionTime": 1, "ActionType": 2, "ActionMsg": "ok"}]


# ---------------------------------------------------------------- neighbouring promises


def test_no_secret_in_any_rejection_message_repr_or_chained_exception(monkeypatch):
    token, key = "tok-SECRET-VALUE-42", "Zk9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg"
    router = Router(token=token, aes_key=key, appid=APPID)
    router.on("add_waybill")(lambda e: {"WayBillID": "X"})
    ts, nonce = str(int(time.time())), "n1"
    good = crypto.encrypt(json.dumps(ADD_EVENT), key, APPID)
    sig = crypto.signature(token, ts, nonce)
    good_body = json.dumps({"Encrypt": good}).encode()
    attempts = [
        ({"timestamp": ts, "nonce": nonce, "signature": "0" * 40}, b"{}"),
        ({"timestamp": ts, "nonce": nonce, "signature": sig}, b"{}"),
        ({"timestamp": ts, "nonce": nonce, "signature": sig, "encrypt_type": "aes", "msg_signature": "1" * 40}, good_body),
        ({"timestamp": ts, "nonce": nonce, "signature": sig, "encrypt_type": "aes", "msg_signature": crypto.msg_signature(token, ts, nonce, "!!")},
         b'{"Encrypt": "!!"}'),
        ({"timestamp": ts, "nonce": nonce, "signature": sig, "encrypt_type": "aes", "msg_signature": crypto.msg_signature(token, ts, nonce, "QUJD")},
         b'{"Encrypt": "QUJD"}'),
        ({"timestamp": "1", "nonce": nonce, "signature": crypto.signature(token, "1", nonce)}, b"{}"),
    ]  # fmt: skip
    seen = []
    for query, body in attempts:
        err = rejected(router, query, body)
        texts = [str(err), repr(err), err.errMsg, repr(err.__context__), repr(err.__cause__), json.dumps(err.to_dict())]
        seen.append(err.errCode)
        assert not any(token in t or key in t for t in texts), texts
    assert seen == [-40001, -40001, -40001, errors.DECODE_BASE64_ERROR, errors.DECRYPT_AES_ERROR, errors.STALE_TIMESTAMP]
    bad_key = Router(token=token, aes_key=key[:-1] + "!", appid=APPID)
    query = {"timestamp": ts, "nonce": "n2", "signature": crypto.signature(token, ts, "n2"), "encrypt_type": "aes", "msg_signature": "x"}
    err = rejected(bad_key, query, b"{}")
    assert err.errCode == errors.ILLEGAL_AES_KEY and key[:-1] not in repr(err) and key[:-1] not in repr(err.__context__)
    for obj in (router.config, router):
        assert token not in repr(obj) and key not in repr(obj)


def test_a_replayed_push_is_refused_in_safe_mode_and_through_the_gateway():
    calls: List[Dict[str, Any]] = []
    router = router_with(calls)
    query, body = signed(json.dumps(ADD_EVENT).encode(), aes=True)
    assert router.main_handler(gateway(query, body), None)["statusCode"] == 200
    out = router.main_handler(gateway(query, body), None)
    assert out["statusCode"] == 403 and json.loads(out["body"])["errCode"] == errors.REPLAYED_MESSAGE
    assert rejected(router, query, body).errCode == errors.REPLAYED_MESSAGE
    assert len(calls) == 1


def test_parse_http_verifies_before_reading_in_every_entry_point():
    cfg = PushConfig(token=TOKEN, max_body=10)
    query, body = signed(json.dumps(PATH_EVENT).encode())
    with pytest.raises(CloudSDKError) as info:
        parse_http(dict(query, signature="0" * 40), body, cfg)
    assert info.value.errCode == -40001  # unsigned: 403, whatever the size
    with pytest.raises(CloudSDKError) as info:
        parse_http(query, body, cfg)
    assert info.value.errCode == -40014
