// The contrast: an app without lameduck, stopped the usual way (server.close(), then exit).
import { createServer } from 'node:http'

const server = createServer((req, res) => {
  if (req.url === '/readyz') return res.end('ok')
  res.end('hello from a bare server\n')
})
server.listen(Number(process.env.PORT), process.env.HOST)
process.on('SIGTERM', () => {
  server.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 2_000).unref()
})
