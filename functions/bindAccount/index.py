# Node original (wx-server-sdk, logistics.bindAccount cloud-call example):
#
#   const cloud = require('wx-server-sdk')
#   cloud.init({
#     env: cloud.DYNAMIC_CURRENT_ENV,
#   })
#   exports.main = async (event, context) => {
#     try {
#       const result = await cloud.openapi.logistics.bindAccount({
#           "type": 'bind',
#           "password": '123456789123456789',
#           "bizId": '123456',
#           "deliveryId": 'YUNDA'
#         })
#       return result
#     } catch (err) {
#       return err
#     }
#   }
import cloudfn as cloud

cloud.init({
    "env": cloud.DYNAMIC_CURRENT_ENV,
})


def main_handler(event, context):
    try:
        result = cloud.openapi.logistics.bindAccount({
            "type": 'bind',
            "password": '123456789123456789',
            "bizId": '123456',
            "deliveryId": 'YUNDA'
        })
        return result
    except cloud.CloudSDKError as err:
        return err.to_dict()
