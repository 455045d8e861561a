// The demo's app: answers the version it read from disk at start-up; /slow takes 1.5 s.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { lameduck } from '@lameduck/core'

const version = readFileSync(process.env.DEMO_VERSION_FILE, 'utf8').trim()
const ld = lameduck({ timeout: 10_000 })
const server = createServer((req, res) => {
  if (req.url === '/slow') return setTimeout(() => res.end(version), 1_500)
  res.end(version)
})
if (process.env.DEMO_BARE === '1') {
  // The contrast: what most apps do today.
  server.listen(Number(process.env.PORT), '127.0.0.1')
  // server.close() alone would wait for every busy keep-alive connection, so apps add a timer.
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0))
    setTimeout(() => process.exit(0), 2_000).unref()
  })
} else {
  await ld.listen(server, { port: Number(process.env.PORT) })
}
