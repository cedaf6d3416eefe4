// Encodes/decodes the cloud-call protobuf messages with protobufjs (the library wx-server-sdk bundles),
// so the Python codec (cloudfn/pb.py) can be checked against it in both directions.
//
// stdin: a JSON list of jobs; stdout: a JSON list of answers, in order.
//   {"encode": "CommApiData", "message": {"apiType": 0, "openapiData": {"pairs": [{"key": "k", "value": "<base64>"}]}, "appid": "..."}}
//   {"encode": "CommOpenApiResp", "message": {"respData": "<base64>", "contentType": "...", "errorCode": -604101, "httpCode": 200}}
//   {"decode": "CommApiData" | "CommOpenApiResp", "bytes": "<base64>"}
// Encoded answers are base64; decoded answers are objects with bytes fields in base64 and longs as numbers.
'use strict'

const fs = require('fs')
const protobuf = require('protobufjs')

const root = protobuf.Root.fromJSON({
  nested: {
    KeyValuePair: { fields: { key: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 }, contenttype: { type: 'string', id: 3 }, filename: { type: 'string', id: 4 } } },
    OpenApiData: { fields: { pairs: { rule: 'repeated', type: 'KeyValuePair', id: 1 } } },
    CommApiData: {
      fields: { apiType: { type: 'int32', id: 1 }, openapiData: { type: 'OpenApiData', id: 2 }, appid: { type: 'string', id: 6 } }
    },
    HttpHeader: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
    CommOpenApiResp: {
      fields: {
        respData: { type: 'bytes', id: 1 },
        contentType: { type: 'string', id: 2 },
        errorCode: { type: 'int32', id: 3 },
        httpCode: { type: 'uint32', id: 4 },
        headers: { rule: 'repeated', type: 'HttpHeader', id: 5 },
        svrkitErrorCode: { type: 'int32', id: 6 }
      }
    }
  }
})

function fromB64 (message, type) {
  const out = Object.assign({}, message)
  if (type === 'CommOpenApiResp' && out.respData !== undefined) out.respData = Buffer.from(out.respData, 'base64')
  if (type === 'CommApiData' && out.openapiData) {
    out.openapiData = { pairs: (out.openapiData.pairs || []).map((p) => Object.assign({}, p, { value: Buffer.from(p.value, 'base64') })) }
  }
  return out
}

const jobs = JSON.parse(fs.readFileSync(0, 'utf8'))
const answers = jobs.map((job) => {
  if (job.encode) {
    const type = root.lookupType(job.encode)
    return Buffer.from(type.encode(fromB64(job.message, job.encode)).finish()).toString('base64')
  }
  const type = root.lookupType(job.decode)
  const decoded = type.decode(Buffer.from(job.bytes, 'base64'))
  return type.toObject(decoded, { bytes: String, longs: Number, defaults: true, arrays: true })
})
process.stdout.write(JSON.stringify(answers) + '\n')
