// A POST endpoint that reads the body and answers 2 ms later. APP=lameduck drains it with
// @lameduck/core (SYN_GUARD=0 turns the optional listener guard off); APP=bare is the contrast:
// server.close(), then exit.
import { createServer } from 'node:http'
import { lameduck } from '@lameduck/core'

const server = createServer((req, res) => {
  let size = 0
  req.on('data', (chunk) => {
    size += chunk.length
  })
  req.on('end', () => setTimeout(() => res.end(`received ${size} bytes\n`), 2))
})
const port = Number(process.env.PORT ?? 0)
if (process.env.APP === 'lameduck') {
  const ld = lameduck({ timeout: 10_000, synGuard: process.env.SYN_GUARD !== '0' })
  // Under `lameduck run`, listens on the supervisor's socket instead of the port.
  await ld.listen(server, { port, host: '127.0.0.1' })
} else {
  server.listen(port, '127.0.0.1')
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0))
    setTimeout(() => process.exit(0), 2_000).unref()
  })
}
