// The reload benchmark's app under PM2 (cluster mode, wait_ready). With WITH_LAMEDUCK it drains
// through @lameduck/core on PM2's SIGINT; without, it follows PM2's documented recipe
// (server.close() on SIGINT). "crash" as the version exits at start-up.
const { readFileSync } = require('node:fs')
const { createServer } = require('node:http')

const version = readFileSync(process.env.APP_VERSION_FILE, 'utf8').trim()
if (version === 'crash') process.exit(1)
const server = createServer((_req, res) => res.end(version))
const port = Number(process.env.PORT)
if (process.env.WITH_LAMEDUCK === '1') {
  const { lameduck } = require('@lameduck/core')
  lameduck({ signals: ['SIGINT', 'SIGTERM'] }).listen(server, { port, host: '127.0.0.1' })
} else {
  server.listen(port, '127.0.0.1', () => process.send?.('ready'))
  process.on('SIGINT', () => server.close(() => process.exit(0)))
}
