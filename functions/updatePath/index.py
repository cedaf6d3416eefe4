# Node original (wx-server-sdk, logistics.updatePath cloud-call example):
#
#   const cloud = require('wx-server-sdk')
#   cloud.init()
#   exports.main = async (event, context) => {
#     try {
#       const result = await cloud.openapi.logistics.updatePath({
#         token: 'TOKEN',
#         waybillId: '12345678901234567890',
#         actionTime: 1533052800,
#         actionType: 300002,
#         actionMsg: '丽影邓丽君【18666666666】正在派件'
#       })
#       console.log(result)
#       return result
#     } catch (err) {
#       console.log(err)
#       return err
#     }
#   }
import cloudfn as cloud

cloud.init()


def main_handler(event, context):
    try:
        result = cloud.openapi.logistics.updatePath({
            "token": 'TOKEN',
            "waybillId": '12345678901234567890',
            "actionTime": 1533052800,
            "actionType": 300002,
            "actionMsg": '丽影邓丽君【18666666666】正在派件'
        })
        print(result)
        return result
    except cloud.CloudSDKError as err:
        print(err)
        return err.to_dict()
