// The app measured by the reload benchmark, bare or under `lameduck run`: answers its version
// (read at start-up from APP_VERSION_FILE; "crash" exits at once) on PORT, or any free port, and
// prints "listening <port>" once it serves.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { lameduck } from '@lameduck/core'

const version = readFileSync(process.env.APP_VERSION_FILE, 'utf8').trim()
if (version === 'crash') process.exit(1)
const ld = lameduck({ signals: ['SIGTERM', 'SIGINT'] })
const server = createServer((_req, res) => res.end(version))
await ld.listen(server, { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
console.log(`listening ${server.address().port}`)
