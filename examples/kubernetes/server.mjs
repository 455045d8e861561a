// An app for Kubernetes: readiness and liveness probes, a readiness delay for endpoint
// propagation, and timings deployment.yaml is tested against.
import { createServer } from 'node:http'
import { lameduck } from '@lameduck/core'
import { options } from './options.mjs'

const ld = lameduck({ ...options, delay: Number(process.env.LAMEDUCK_DELAY ?? options.delay) })
ld.onShutdown('database', () => console.log('closing the database pool'))
const server = createServer((req, res) => {
  if (req.url === '/healthz') return ld.health(req, res)
  if (req.url === '/readyz') return ld.readiness(req, res)
  res.end('hello from kubernetes\n')
})
await ld.listen(server, {
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '0.0.0.0',
})
console.log(`listening on http://127.0.0.1:${server.address().port}`)
