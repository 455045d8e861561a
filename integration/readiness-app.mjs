// One lameduck app for the readiness-order test: FIXTURE (JSON) gives its port and lameduck
// options; it prints "readyz <status>" for every readiness answer and "phase <name>" for every
// shutdown phase, so the test sees what the health checks got and when.
import { subscribe } from 'node:diagnostics_channel'
import { createServer } from 'node:http'
import { CHANNELS, lameduck } from '@lameduck/core'

subscribe(CHANNELS.phase, ({ phase }) => console.log(`phase ${phase}`))

const { port, options } = JSON.parse(process.env.FIXTURE)
const ld = lameduck(options)
const server = createServer((req, res) => {
  if (req.url !== '/readyz') return res.end('ok')
  res.on('finish', () => console.log(`readyz ${res.statusCode}`))
  ld.readiness(req, res)
})
await ld.listen(server, { port, host: '127.0.0.1' })
console.log(`listening on http://127.0.0.1:${port}`)
