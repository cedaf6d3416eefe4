# Node original (wx-server-sdk, logistics.updatePrinter cloud-call example):
#
#   const cloud = require('wx-server-sdk')
#   cloud.init()
#   exports.main = async (event, context) => {
#     try {
#       const result = await cloud.openapi.logistics.updatePrinter({
#           openid: 'oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw',
#           updateType: 'bind'
#         })
#       return result
#     } catch (err) {
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
        return result
    except cloud.CloudSDKError as err:
        return err.to_dict()
