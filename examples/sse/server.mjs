// Server-sent events: a tick every second; on SIGTERM each stream gets a last event and ends
// cleanly instead of being cut at the deadline.
import { createServer } from 'node:http'
import { lameduck } from '@lameduck/core'

const ld = lameduck({ timeout: 10_000, idleGrace: 100 })
const server = createServer((req, res) => {
  if (req.url !== '/events') return ld.readiness(req, res)
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
  res.write('data: hello\n\n')
  const tick = setInterval(() => res.write(`data: ${new Date().toISOString()}\n\n`), 1_000)
  res.on('close', () => clearInterval(tick))
  ld.endOnDrain(res, (r) => r.end('event: bye\ndata: server restarting\n\n'))
})
ld.attach(server)

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
