// Instance A or B of the close-spread bench (spread.ts). argv: role and closeSpread in ms.
// Both serve `GET /` and WebSockets and note when each connection arrives (Date.now(), so the
// harness can line them up with its SIGTERM). A has lameduck attached and drains on SIGTERM,
// then sends its report and its event-loop delay during the drain, and exits.
import { createServer } from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { closeWebSocketsOnDrain, lameduck } from '@lameduck/core'
import { WebSocketServer } from 'ws'
import { answerCommands } from './ipc.mjs'

const [role = 'b', spread = '0'] = process.argv.slice(2)
const server = createServer((_req, res) => res.end('ok'))
server.keepAliveTimeout = 120_000
const wss = new WebSocketServer({ server })
const arrivals = []
server.on('connection', () => arrivals.push(Date.now()))

if (role === 'a') {
  const closeSpread = Number(spread)
  const ld = lameduck({ signals: false, logger: false, closeSpread, timeout: closeSpread + 15_000 })
  ld.attach(server)
  closeWebSocketsOnDrain(ld, wss)
  process.on('SIGTERM', async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 })
    delay.enable()
    const report = await ld.shutdown('SIGTERM')
    delay.disable()
    const loopDelay = { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 }
    process.send({ drained: { report, loopDelay } }, () => process.exit(0))
  })
}

server.listen(0, '127.0.0.1', () =>
  answerCommands(server, {
    arrivals: () => ({ arrivals: arrivals.splice(0) }),
    memory() {
      globalThis.gc?.()
      globalThis.gc?.()
      const { heapUsed, rss } = process.memoryUsage()
      return { heap: heapUsed, rss }
    },
  }),
)
