// Runs open-API calls through the unmodified wx-server-sdk and prints one JSON line per call.
//
// Usage: node run_calls.js PLAN.json   (or the plan on stdin)
// PLAN: {"env": "...", "serviceUrl": "http://127.0.0.1:PORT/admin", "secretId": "...", "secretKey": "...",
//        "options": {...cloud.openapi(options), optional},
//        "calls": [["bindAccount", {camelCase args}], ...]}
// Each output line is {"ok": result} or {"error": {"errCode", "errMsg", "message"}}.
// Numbers are written with json-bigint, so 64-bit ids stay exact; a Buffer prints as {"$buffer": base64}.
// Credentials come from the plan or the environment (WX_API_TOKEN is read only when TCB_CONTEXT_KEYS lists it).
'use strict'

const fs = require('fs')
const cloud = require('wx-server-sdk')
const JSONBigInt = require('json-bigint')({ useNativeBigInt: false })

function readPlan () {
  const source = process.argv[2] && process.argv[2] !== '-' ? fs.readFileSync(process.argv[2], 'utf8') : fs.readFileSync(0, 'utf8')
  return JSON.parse(source)
}

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
  const plan = readPlan()
  const init = { env: plan.env }
  if (plan.serviceUrl) init.serviceUrl = plan.serviceUrl
  if (plan.secretId) {
    init.secretId = plan.secretId
    init.secretKey = plan.secretKey
  }
  cloud.init(init)
  const openapi = plan.options ? cloud.openapi(plan.options) : cloud.openapi
  for (const [method, args] of plan.calls) {
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
