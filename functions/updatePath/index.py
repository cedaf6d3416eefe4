# Node original (wx-server-sdk, logistics.updatePath cloud-call example):
#
#   const cloud = require('wx-server-sdk')
#   cloud.init({
#     env: cloud.DYNAMIC_CURRENT_ENV,
#   })
#   exports.main = async (event, context) => {
#     try {
#       const result = await cloud.openapi.logistics.updatePath({
#           "token": 'TOKEN',
#           "waybillId": '12345678901234567890',
#           "actionTime": 1533052800,
#           "actionType": 300002,
#           "actionMsg": '丽影邓丽君【18666666666】正在派件'
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
        result = cloud.openapi.logistics.updatePath({
            "token": 'TOKEN',
            "waybillId": '12345678901234567890',
            "actionTime": 1533052800,
            "actionType": 300002,
            "actionMsg": '丽影邓丽君【18666666666】正在派件'
        })
        return result
    except cloud.CloudSDKError as err:
        return err.to_dict()
