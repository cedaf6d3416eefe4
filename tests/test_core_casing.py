"""Case conversion follows wx-server-sdk's convertCase exactly."""

from __future__ import annotations

import json

import pytest

from cloudfn.casing import camel_to_snake, snake_to_camel, to_camel, to_snake


@pytest.mark.parametrize(
    "camel, snake",
    [
        ("bizId", "biz_id"),
        ("tagidList", "tagid_list"),
        ("WayBill", "way_bill"),  # a capital at index 0 gets no underscore
        ("spaceX", "space_x"),
        ("wxAppid", "wx_appid"),
        ("shopAppId", "shop_app_id"),
        ("goodsImgUrl", "goods_img_url"),
        ("already_snake", "already_snake"),
        ("HTMLText", "h_t_m_l_text"),
    ],
)
def test_camel_to_snake_matches_node_rule(camel: str, snake: str) -> None:
    assert camel_to_snake(camel) == snake


@pytest.mark.parametrize(
    "snake, camel",
    [
        ("waybill_id", "waybillId"),
        ("path_item_list", "pathItemList"),
        ("item_1", "item_1"),  # only _ + lowercase letter folds
        ("delivery_resultcode", "deliveryResultcode"),
        ("rendered_waybill_template", "renderedWaybillTemplate"),
        ("A_B", "A_B"),
        ("_private", "Private"),
    ],
)
def test_snake_to_camel_matches_node_rule(snake: str, camel: str) -> None:
    assert snake_to_camel(snake) == camel


def test_conversion_is_recursive_through_objects_and_arrays_and_leaves_values() -> None:
    data = {"orderList": [{"orderId": "aB", "deliveryId": "TEST"}], "cargo": {"detailList": [{"name": "someName"}]}, "tags": ["camelValue"]}
    assert to_snake(data) == {
        "order_list": [{"order_id": "aB", "delivery_id": "TEST"}],
        "cargo": {"detail_list": [{"name": "someName"}]},
        "tags": ["camelValue"],
    }


def test_renamed_keys_move_to_the_end_as_in_javascript() -> None:
    # Node: data[converted] = val; delete data[key] -> converted keys are appended.
    converted = to_snake({"type": "bind", "bizId": "1", "password": "p", "deliveryId": "YUNDA"})
    assert list(converted) == ["type", "password", "biz_id", "delivery_id"]
    assert json.dumps(to_camel({"order_id": 1, "count": 2})) == '{"count": 2, "orderId": 1}'


def test_input_is_not_mutated() -> None:
    data = {"bizId": "1", "nested": {"innerKey": 1}}
    to_snake(data)
    assert data == {"bizId": "1", "nested": {"innerKey": 1}}
