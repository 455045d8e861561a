// pnpm demo: runs app.mjs under `lameduck run`, keeps 30 keep-alive clients busy (plus a 1.5 s
// request every second), changes the app on disk and reloads it twice, then stops sending new
// requests and stops it with SIGTERM (as a load balancer and an orchestrator would), and prints
// what the clients saw. `pnpm demo --compare` runs the same script against
// the app without lameduck, restarted the usual way (SIGTERM, then start the new version).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sparkline } from './sparkline.mjs'

const compare = process.argv.includes('--compare')
const cli = createRequire(import.meta.url)
  .resolve('@lameduck/reload/package.json')
  .replace('package.json', 'dist/cli.mjs')
const app = new URL('./app.mjs', import.meta.url).pathname
const versionFile = join(mkdtempSync(join(tmpdir(), 'lameduck-demo-')), 'version')
const setVersion = (version) => writeFileSync(versionFile, version)

async function run(bare) {
  setVersion('v1')
  const port = await freePort()
  const env = {
    ...process.env,
    DEMO_VERSION_FILE: versionFile,
    PORT: String(port),
    DEMO_BARE: bare ? '1' : '0',
  }
  const start = () => {
    const child = bare
      ? spawn(process.execPath, [app], { env, stdio: ['ignore', 'inherit', 'pipe'] })
      : spawn(process.execPath, [cli, 'run', '--listen', `127.0.0.1:${port}`, '--', app], {
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        })
    // Kept for the failure message; read so that a chatty app can never fill the pipe and block.
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk) => {
      childLog = (childLog + chunk).slice(-8_000)
    })
    children.add(child)
    child.on('exit', () => children.delete(child))
    return child
  }
  let server = start()
  await waitUntilServing(port, server)

  const stats = {
    served: 0,
    failed: 0,
    errors: {},
    latencies: [],
    versions: new Set(),
    slow: { ok: 0, failed: 0 },
  }
  const agent = new Agent({ keepAlive: true })
  let running = true
  const fail = (error) => {
    stats.failed++
    stats.errors[error.code ?? error.message] = (stats.errors[error.code ?? error.message] ?? 0) + 1
  }
  const client = async () => {
    while (running) {
      const started = performance.now()
      try {
        stats.versions.add(await get(port, '/', agent))
        stats.served++
        stats.latencies.push(performance.now() - started)
      } catch (error) {
        fail(error)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
  }
  const slowClients = []
  const slowTimer = setInterval(() => {
    slowClients.push(
      get(port, '/slow').then(
        () => stats.slow.ok++,
        () => stats.slow.failed++,
      ),
    )
  }, 1_000)
  const clients = Array.from({ length: 30 }, client)
  // One sample per interval, for the sparkline drawn at the end when stdout is a terminal.
  const samples = []
  let counted = { served: 0, failed: 0 }
  let reloading = false
  const progress = setInterval(() => {
    line(stats)
    samples.push({
      served: stats.served - counted.served,
      failed: stats.failed - counted.failed,
      reload: reloading,
    })
    counted = { served: stats.served, failed: stats.failed }
    reloading = false
  }, 250)
  const reloads = []

  for (const version of ['v2', 'v3']) {
    await sleep(3_000)
    setVersion(version)
    const started = performance.now()
    reloading = true
    if (bare) {
      server.kill('SIGTERM')
      await once(server, 'exit')
      server = start()
      await waitUntilServing(port, server)
    } else {
      const reload = spawn(process.execPath, [cli, 'reload', '--pid', String(server.pid)], {
        stdio: 'ignore',
      })
      await once(reload, 'exit')
    }
    reloads.push(Math.round(performance.now() - started))
  }
  await sleep(3_000)
  clearInterval(slowTimer)
  const inFlight = slowClients.length - stats.slow.ok - stats.slow.failed
  // Like a load balancer that has taken the instance out: no new requests, in-flight ones finish.
  running = false
  server.kill('SIGTERM')
  const [code] = await once(server, 'exit')
  await Promise.all([...clients, ...slowClients])
  clearInterval(progress)
  agent.destroy()
  line(stats)
  process.stdout.write('\n')
  if (process.stdout.isTTY) process.stdout.write(`${sparkline(samples, 250).join('\n')}\n`)
  return {
    'requests served': stats.served + stats.slow.ok,
    'requests failed': stats.failed + stats.slow.failed,
    'errors by kind':
      Object.entries(stats.errors)
        .map(([k, n]) => `${k} ×${n}`)
        .join(', ') || 'none',
    'versions answering': [...stats.versions].join(' → '),
    'reloads (ms each)': reloads.join(', '),
    'slow requests in flight at SIGTERM': inFlight,
    'exit code': code,
  }
}

function line(stats) {
  const sorted = [...stats.latencies].sort((a, b) => a - b)
  const p99 = sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length * 0.99)]
  const text = `requests ${stats.served}  errors ${stats.failed}  p99 ${p99.toFixed(1)} ms  version ${[...stats.versions].at(-1) ?? '-'}`
  if (process.stdout.isTTY) process.stdout.write(`\r${text.padEnd(70)}`)
  else if (Math.random() < 0.25) process.stdout.write(`${text}\n`)
}

function get(port, path, agent, timeout) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, timeout }, (res) => {
      let body = ''
      res.on('data', (chunk) => {
        body += chunk
      })
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`)),
      )
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.end()
  })
}

// Polls until the app answers; gives up, with the app's own words, if it exits or takes too long.
async function waitUntilServing(port, child) {
  const deadline = performance.now() + 20_000
  while (child.exitCode === null && child.signalCode === null && performance.now() < deadline) {
    try {
      return await get(port, '/', undefined, 1_000)
    } catch {
      await sleep(20)
    }
  }
  const why = child.exitCode === null ? 'did not answer within 20 s' : `exited (${child.exitCode})`
  fatal(`the app on 127.0.0.1:${port} ${why}`)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
    probe.on('error', reject)
  })
}

function fatal(message) {
  for (const child of children) child.kill('SIGKILL')
  process.stderr.write(`\ndemo failed: ${message}\n${childLog}\n`)
  process.exit(1)
}

const children = new Set()
let childLog = ''
// The demo takes under a minute; a hang must fail loudly rather than hold up CI.
setTimeout(() => fatal('still running after 3 minutes'), 180_000).unref()

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

console.log(
  'lameduck demo: the app under `lameduck run`, 30 keep-alive clients, reloaded twice, then stopped\n',
)
const results = { 'lameduck run': await run(false) }
if (compare) {
  console.log('\nthe same app without lameduck: stopped with server.close() and started again\n')
  results['server.close() + restart'] = await run(true)
}
console.log()
console.table(results)
const failed = results['lameduck run']['requests failed']
process.exit(failed === 0 && results['lameduck run']['exit code'] === 0 ? 0 : 1)
