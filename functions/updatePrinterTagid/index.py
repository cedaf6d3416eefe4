# Node original (wx-server-sdk, logistics.updatePrinter cloud-call example with tagidList):
#
#   const cloud = require('wx-server-sdk')
#   cloud.init({
#     env: cloud.DYNAMIC_CURRENT_ENV,
#   })
#   exports.main = async (event, context) => {
#     try {
#       const result = await cloud.openapi.logistics.updatePrinter({
#           "openid": 'oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw',
#           "updateType": 'bind',
#           "tagidList": '123,456'
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
        result = cloud.openapi.logistics.updatePrinter({
            "openid": 'oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw',
            "updateType": 'bind',
            "tagidList": '123,456'
        })
        return result
    except cloud.CloudSDKError as err:
        return err.to_dict()
