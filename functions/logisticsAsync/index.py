# Node original (a tracking function: the order and its path at once, with Promise.all):
#
#   const cloud = require('wx-server-sdk')
#   cloud.init({
#     env: cloud.DYNAMIC_CURRENT_ENV,
#   })
#   exports.main = async (event, context) => {
#     const { orderId, deliveryId, waybillId } = event
#     try {
#       const [order, path] = await Promise.all([
#         cloud.openapi.logistics.getOrder({ orderId, deliveryId }),
#         cloud.openapi.logistics.getPath({ orderId, deliveryId, waybillId }),
#       ])
#       return { order, path }
#     } catch (err) {
#       return err
#     }
#   }
import asyncio

import cloudfn.aio as cloud

cloud.init({
    "env": cloud.DYNAMIC_CURRENT_ENV,
})


async def main(event, context):
    order_id, delivery_id, waybill_id = event.get("orderId"), event.get("deliveryId"), event.get("waybillId")
    try:
        order, path = await asyncio.gather(
            cloud.openapi.logistics.getOrder({"orderId": order_id, "deliveryId": delivery_id}),
            cloud.openapi.logistics.getPath({"orderId": order_id, "deliveryId": delivery_id, "waybillId": waybill_id}),
        )
        return {"order": order, "path": path}
    except cloud.CloudSDKError as err:
        return err.to_dict()


main_handler = cloud.handler(main)  # SCF calls main_handler(event, context) synchronously
