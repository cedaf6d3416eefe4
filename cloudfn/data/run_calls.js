// Runs open-API calls through the unmodified wx-server-sdk and prints one JSON line per call.
//
// Protocol (stdin/stdout, one JSON document per line):
//   line 1: {"env": "...", "serviceUrl": "http://127.0.0.1:PORT/admin", "secretId": "...", "secretKey": "...",
//            "options": {...cloud.openapi(options), optional}}
//   then one line per call: ["bindAccount", {camelCase args}]   (or {"method": ..., "args": ...})
// Each call is answered, in order, by {"ok": result} or {"error": {"errCode", "errMsg", "message"}}.
// Lines can be written all at once (batch) or one at a time, waiting for each answer (interactive).
// Numbers are written with json-bigint, so 64-bit ids stay exact; a Buffer prints as {"$buffer": base64}.
// Credentials come from line 1 or the environment (WX_API_TOKEN is read only when TCB_CONTEXT_KEYS lists it).
'use strict'

const readline = require('readline')
const cloud = require('wx-server-sdk')
const JSONBigInt = require('json-bigint')({ useNativeBigInt: false })

function plain (value) {
  if (Buffer.isBuffer(value)) return { $buffer: value.toString('base64') }
  if (Array.isArray(value)) return value.map(plain)
  if (value && typeof value === 'object' && value.constructor === Object) {
    const out = {}
    for (const key of Object.keys(value)) out[key] = plain(value[key])
    return out
  }
  return value
}

async function main () {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  let openapi = null
  for await (const text of lines) {
    if (!text.trim()) continue
    const doc = JSONBigInt.parse(text)
    if (openapi === null) {
      const init = { env: doc.env }
      if (doc.serviceUrl) init.serviceUrl = doc.serviceUrl
      if (doc.secretId) {
        init.secretId = doc.secretId
        init.secretKey = doc.secretKey
      }
      cloud.init(init)
      openapi = doc.options ? cloud.openapi(doc.options) : cloud.openapi
      continue
    }
    const [method, args] = Array.isArray(doc) ? doc : [doc.method, doc.args]
    let line
    try {
      const result = await openapi.logistics[method](args)
      line = { ok: plain(result) }
    } catch (err) {
      line = { error: { errCode: err && err.errCode, errMsg: err && err.errMsg, message: err && err.message } }
    }
    process.stdout.write(JSONBigInt.stringify(line) + '\n')
  }
}

main().catch((err) => {
  process.stderr.write(`run_calls.js: ${err && err.stack ? err.stack : err}\n`)
  process.exit(2)
})
