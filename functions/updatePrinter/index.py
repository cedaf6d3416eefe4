# Node original (wx-server-sdk, logistics.updatePrinter cloud-call example):
#
#   const cloud = require('wx-server-sdk')
#   cloud.init()
#   exports.main = async (event, context) => {
#     try {
#       const result = await cloud.openapi.logistics.updatePrinter({
#         openid: 'oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw',
#         updateType: 'bind'
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
        result = cloud.openapi.logistics.updatePrinter({
            "openid": 'oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw',
            "updateType": 'bind'
        })
        print(result)
        return result
    except cloud.CloudSDKError as err:
        print(err)
        return err.to_dict()
