// node:http with @lameduck/core, as its README starts.
import { createServer } from 'node:http'
import { lameduck } from '@lameduck/core'

const ld = lameduck()
const server = createServer((req, res) => {
  if (req.url === '/healthz') return ld.health(req, res)
  if (req.url === '/readyz') return ld.readiness(req, res)
  console.log(`arrived ${req.url}`)
  setTimeout(() => res.end('slow'), 500)
})
ld.attach(server)
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
