import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { median, round } from './harness.js'

const app = fileURLToPath(new URL('./app.mjs', import.meta.url))
const cli = fileURLToPath(new URL('../node_modules/@lameduck/reload/dist/cli.mjs', import.meta.url))

interface Running {
  port: number
  child: ChildProcess
  setVersion(version: string): void
  stop(): Promise<void>
}

/** The app alone, or under `lameduck run` with one worker. */
async function start(supervised: boolean): Promise<Running> {
  const versionFile = join(mkdtempSync(join(tmpdir(), 'lameduck-bench-')), 'version')
  const setVersion = (version: string) => writeFileSync(versionFile, version)
  setVersion('v1')
  const args = supervised ? [cli, 'run', '--listen', '127.0.0.1:0', '--', app] : [app]
  const child = spawn(process.execPath, args, {
    env: { ...process.env, APP_VERSION_FILE: versionFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const port = await new Promise<number>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!supervised && line.startsWith('listening ')) resolve(Number(line.slice(10)))
    })
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const serving = /^lameduck: serving (.*)$/.exec(line)
      if (serving) resolve(JSON.parse(serving[1]!).listening[0].port)
    })
  })
  return {
    port,
    child,
    setVersion,
    async stop() {
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}

const cannon = (port: number, seconds: number, close: boolean) =>
  autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections: 50,
    duration: seconds,
    ...(close ? { headers: { connection: 'close' } } : {}),
  })

/** Throughput under `lameduck run` (1 worker) / the bare app, alternating, per connection mode. */
export async function supervisorOverhead(rounds: number, seconds: number) {
  const rows = []
  for (const close of [false, true]) {
    const rate = { bare: [] as number[], supervised: [] as number[] }
    for (let i = 0; i < rounds + 1; i++) {
      const order = i % 2 === 0 ? [false, true] : [true, false]
      for (const supervised of order) {
        const running = await start(supervised)
        const result = await cannon(running.port, seconds, close)
        await running.stop()
        // The first pair warms the load generator up and is discarded.
        if (i > 0) rate[supervised ? 'supervised' : 'bare'].push(result.requests.average)
      }
    }
    rows.push({
      mode: close ? 'Connection: close' : 'keep-alive',
      bare: median(rate.bare),
      supervised: median(rate.supervised),
      ratio: median(rate.bare.map((bare, i) => rate.supervised[i]! / bare)),
    })
  }
  return rows
}

/** 3 reloads during a 10 s, 50-connection keep-alive load, against the same load without. */
export async function reloadUnderLoad() {
  const steadyRun = await start(true)
  const steady = await cannon(steadyRun.port, 10, false)
  await steadyRun.stop()
  const running = await start(true)
  const load = cannon(running.port, 10, false)
  const reloads: number[] = []
  for (const version of ['v2', 'v3', 'v4']) {
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    running.setVersion(version)
    const started = performance.now()
    const reload = spawn(process.execPath, [cli, 'reload', '--pid', String(running.child.pid)])
    const [code] = await once(reload, 'exit')
    if (code !== 0) throw new Error(`reload to ${version} failed`)
    reloads.push(performance.now() - started)
  }
  const during = await load
  await running.stop()
  return {
    failed: during.errors + during.non2xx,
    requests: during.requests.total,
    p99: { steady: steady.latency.p99, during: during.latency.p99 },
    rate: { steady: steady.requests.average, during: during.requests.average },
    reloadMs: reloads.map((ms) => round(ms)),
  }
}
