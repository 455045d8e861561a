// A plain node:http app under lameduck: Ctrl-C (or SIGTERM) drains it without failing a request.
import { createServer } from 'node:http'
import { lameduck } from '@lameduck/core'

const log = (level) => (obj, msg) => console.log(`${level} ${msg}`, JSON.stringify(obj))
const ld = lameduck({
  timeout: 10_000,
  logger: { debug() {}, info: log('info'), warn: log('warn'), error: log('error') },
})
ld.onShutdown('database', () => new Promise((resolve) => setTimeout(resolve, 50)))

const server = createServer((req, res) => {
  if (req.url === '/healthz') return ld.health(req, res)
  if (req.url === '/readyz') return ld.readiness(req, res)
  if (req.url === '/slow') return setTimeout(() => res.end('slow and complete\n'), 1_500)
  res.end('hello\n')
})
ld.attach(server)

const port = Number(process.env.PORT ?? 3000)
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
