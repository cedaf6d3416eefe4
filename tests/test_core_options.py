"""``init`` / ``Cloud`` take Node's option names and snake_case; unknown names get the nearest known one."""

from __future__ import annotations

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError
from cloudfn.config import resolve
from cloudfn.transports.cloudcall import CloudcallTransport

NODE = {
    "env": "prod-1", "timeout": 3000, "secretId": "AKIDnode", "secretKey": "node-key-DO-NOT-LEAK", "sessionToken": "node-session",
    "serviceUrl": "http://127.0.0.1:9/gw", "region": "ap-shanghai", "traceUser": True, "throwOnNotFound": False,
}


def test_node_option_names_configure_what_snake_case_names_do() -> None:
    node = resolve(NODE, environ={})
    snake = resolve({"env": "prod-1", "timeout": 3000, "secret_id": "AKIDnode", "secret_key": "node-key-DO-NOT-LEAK",
                     "session_token": "node-session", "service_url": "http://127.0.0.1:9/gw", "region": "ap-shanghai",
                     "trace_user": True, "throw_on_not_found": False}, environ={})
    assert repr(node) == repr(snake)
    assert (node.env, node.timeout_ms, node.secret_id, node.session_token, node.service_url, node.region) == (
        "prod-1", 3000, "AKIDnode", "node-session", "http://127.0.0.1:9/gw", "ap-shanghai")
    assert node.timeout == 3.0  # milliseconds, as in Node
    transport = CloudcallTransport(node)  # the spelling the cloudcall error message asks for works
    assert transport._secret_id == "AKIDnode" and transport._secret_key == "node-key-DO-NOT-LEAK"
    assert "node-key" not in repr(node) and "node-session" not in repr(node)


def test_init_options_override_the_environment_for_tencent_credentials() -> None:
    config = resolve({"secretId": "fromInit"}, environ={"TENCENTCLOUD_SECRETID": "fromEnv", "TENCENTCLOUD_SECRETKEY": "k"})
    assert (config.secret_id, config.secret_key) == ("fromInit", "k")


def test_cloud_takes_node_options_as_dict_or_keywords() -> None:
    assert cloud.Cloud(NODE).client().config.region == "ap-shanghai"
    assert cloud.Cloud(resourceEnv="shared-env", apiBase="http://127.0.0.1:1/").client().config.api_base == "http://127.0.0.1:1"
    cloud.init({"secretId": "a", "secretKey": "b", "env": "e"})


@pytest.mark.parametrize(
    "name, suggestion",
    [("secretid", "secretId"), ("SECRETKEY", "secretKey"), ("secret_ID", "secret_id"), ("serviceURL", "serviceUrl"),
     ("tracUser", "traceUser"), ("resourceAppId", "resourceAppid"), ("api_bse", "api_base"), ("timeOut", "timeout")],
)
def test_unknown_option_suggests_the_nearest_name(name: str, suggestion: str) -> None:
    with pytest.raises(CloudSDKError) as info:
        cloud.init({name: "x"})
    assert info.value.errCode == -501007
    assert info.value.errMsg == f"init:fail unknown option {name} (did you mean {suggestion}?)"
    with pytest.raises(CloudSDKError, match=f"did you mean {suggestion}"):
        cloud.Cloud({name: "x"})


def test_unknown_option_without_a_near_name_and_options_given_twice() -> None:
    with pytest.raises(CloudSDKError) as info:
        cloud.init(flavour="x")
    assert info.value.errMsg == "init:fail unknown option flavour"
    with pytest.raises(CloudSDKError) as info:
        cloud.init({"secretId": "a", "secret_id": "b"})
    assert info.value.errMsg == "init:fail option secret_id given twice (also as secretId)"
    cloud.init({"secretId": "a", "secret_id": "a"})  # the same value twice is harmless


def test_unknown_openapi_option_suggests_the_nearest_name() -> None:
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi(convertcase=False)
    assert info.value.errMsg == "openapi:fail unknown option(s): convertcase (did you mean convertCase?)"
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi(appId="wx1", color=1)
    assert info.value.errMsg == "openapi:fail unknown option(s): appId (did you mean appid?); color"
