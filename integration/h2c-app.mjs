// An h2c app for h2load: each request is answered after 2 ms, and the process prints how many
// requests it received when it exits. FRAMEWORK: `core` (lameduck core, the default),
// `core-tls` (the same over TLS, TLS_KEY and TLS_CERT holding the PEMs), `fastify`
// (@lameduck/fastify with `http2: true`), or `bare` (node:http2 closing its sessions, one GOAWAY
// each, at SIGTERM).
import { createSecureServer, createServer } from 'node:http2'
import { createRequire } from 'node:module'
import { lameduck } from '@lameduck/core'

const framework = process.env.FRAMEWORK ?? 'core'
const port = Number(process.env.PORT ?? 0)
const host = '127.0.0.1'
let received = 0
process.on('exit', () => console.log(`received ${received}`))
const later = (answer) => {
  received++
  setTimeout(answer, 2)
}

if (framework === 'fastify') {
  // Fastify is a dependency of the Fastify example, not of the workspace root.
  const require = createRequire(new URL('../examples/fastify/package.json', import.meta.url))
  const app = require('fastify')({ http2: true })
  await app.register(require('@lameduck/fastify'), { timeout: 10_000 })
  app.get('/', (_request, reply) => later(() => reply.send('ok')))
  await app.listen({ port, host })
} else {
  const server =
    framework === 'core-tls'
      ? createSecureServer({ key: process.env.TLS_KEY, cert: process.env.TLS_CERT })
      : createServer()
  server.on('stream', (stream) => {
    stream.resume()
    later(() => {
      if (stream.destroyed) return
      stream.respond({ ':status': 200 })
      stream.end('ok')
    })
  })
  if (framework === 'core' || framework === 'core-tls') {
    await lameduck({ timeout: 10_000 }).listen(server, { port, host })
  } else {
    const sessions = new Set()
    server.on('session', (session) => {
      sessions.add(session)
      session.on('close', () => sessions.delete(session))
    })
    server.listen(port, host)
    process.on('SIGTERM', () => {
      server.close(() => process.exit(0))
      for (const session of sessions) session.close()
    })
  }
}
