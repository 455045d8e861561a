// Starts server.mjs, keeps 20 keep-alive clients busy plus one 1.5 s request, then stops the
// server with SIGTERM (or your Ctrl-C) and shows that every request got its response.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { Agent, request } from 'node:http'

const port = 3000 + Math.floor(Math.random() * 1000)
const server = spawn(process.execPath, ['server.mjs'], {
  cwd: import.meta.dirname,
  env: { ...process.env, PORT: String(port) },
  stdio: ['ignore', 'pipe', 'inherit'],
})
server.stdout.pipe(process.stdout)
await new Promise((resolve) =>
  server.stdout.on('data', (d) => d.includes('listening') && resolve()),
)

const agent = new Agent({ keepAlive: true })
const counts = { served: 0, failed: 0, refused: 0 }
let slow = 'not answered'
const get = (path) =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = ''
      res.on('data', (chunk) => {
        body += chunk
      })
      res.on('end', () => resolve(`${res.statusCode} ${res.headers.connection} ${body.trim()}`))
    })
    req.on('error', reject)
    req.end()
  })

async function client() {
  for (;;) {
    try {
      await get('/')
      counts.served++
    } catch (error) {
      if (error.code === 'ECONNREFUSED') return counts.refused++
      counts.failed++
    }
  }
}

process.on('SIGINT', () => console.log('\n[demo] Ctrl-C: the server drains; watch the numbers'))
const clients = Array.from({ length: 20 }, client)
const slowDone = get('/slow').then((answer) => {
  slow = answer
})
setTimeout(() => {
  console.log(`[demo] ${counts.served} requests served so far; sending SIGTERM mid-request`)
  server.kill('SIGTERM')
}, 1_000)
const [code] = await once(server, 'exit')
await Promise.all([...clients, slowDone.catch(() => {})])
agent.destroy()
console.table({
  'requests served': counts.served,
  'requests failed': counts.failed,
  'slow request (in flight at SIGTERM)': slow,
  'clients refused after the listener closed': counts.refused,
  'server exit code': code,
})
process.exit(counts.failed === 0 && code === 0 ? 0 : 1)
