// The server under measurement, in its own process so the load generator does not share its CPU
// or heap. argv: mode ('bare' | 'lameduck') and idleGrace. Talks to run.mjs over IPC.
import { createServer } from 'node:http'
import { lameduck } from '@lameduck/core'

const [mode = 'bare', grace = '1000'] = process.argv.slice(2)
const server = createServer((_req, res) => res.end('ok'))
server.keepAliveTimeout = 60_000
const ld = mode === 'lameduck' ? lameduck({ signals: false, idleGrace: Number(grace) }) : undefined
ld?.attach(server)

const commands = {
  heap() {
    globalThis.gc()
    globalThis.gc()
    return { heap: process.memoryUsage().heapUsed }
  },
  cpu() {
    const { user, system } = process.cpuUsage()
    return { micros: user + system }
  },
  connections: () => new Promise((resolve) => server.getConnections((_e, n) => resolve({ n }))),
  async shutdown() {
    const started = performance.now()
    const report = ld ? await ld.shutdown() : await new Promise((r) => server.close(() => r()))
    return { ms: performance.now() - started, report }
  },
}

process.on('message', async ({ id, command }) => {
  process.send({ id, ...(await commands[command]()) })
})
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
