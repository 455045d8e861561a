import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { freePort, median } from '@lameduck/test-utils'
import autocannon from 'autocannon'
import { recordAutocannon } from './charts/timeline.js'
import { round } from './harness.js'
import { wrk } from './shared-cpu.js'

const app = fileURLToPath(new URL('./app.mjs', import.meta.url))
const cli = fileURLToPath(new URL('../node_modules/@lameduck/reload/dist/cli.mjs', import.meta.url))

interface Running {
  port: number
  child: ChildProcess
  setVersion(version: string): void
  stop(): Promise<void>
}

/** The app alone (on `port`, 0 for any), or under `lameduck run` with one worker. */
async function start(
  supervised: boolean,
  port = 0,
  versionFile = newVersionFile(),
): Promise<Running> {
  const setVersion = (version: string) => writeFileSync(versionFile, version)
  const args = supervised ? [cli, 'run', '--listen', '127.0.0.1:0', '--', app] : [app]
  const child = spawn(process.execPath, args, {
    env: { ...process.env, APP_VERSION_FILE: versionFile, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const listening = await new Promise<number | undefined>((resolve) => {
    child.once('exit', () => resolve(undefined))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!supervised && line.startsWith('listening ')) resolve(Number(line.slice(10)))
    })
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const serving = /^lameduck: serving (.*)$/.exec(line)
      if (serving) resolve(JSON.parse(serving[1]!).listening[0].port)
    })
  })
  return {
    port: listening ?? port,
    child,
    setVersion,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}

function newVersionFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lameduck-bench-')), 'version')
  writeFileSync(file, 'v1')
  return file
}

// The reload tables count failed requests and chart them over time, which autocannon reports
// request by request; their throughput figures are beside the point (the wrk tables give those).
const cannon = (port: number, seconds: number) =>
  autocannon({ url: `http://127.0.0.1:${port}/`, connections: 50, duration: seconds })

/**
 * Throughput under `lameduck run` (1 worker) / the bare app, alternating, per connection mode;
 * before each, the bare app against itself the same way, the method's noise.
 */
export async function supervisorOverhead(rounds: number, seconds: number) {
  const rows = []
  for (const close of [false, true]) {
    for (const compared of ['bare', 'supervised'] as const) {
      const rate = { bare: [] as number[], other: [] as number[] }
      for (let i = 0; i < rounds + 1; i++) {
        const order: (keyof typeof rate)[] = i % 2 === 0 ? ['bare', 'other'] : ['other', 'bare']
        for (const which of order) {
          const running = await start(which === 'other' && compared === 'supervised')
          const requests = await wrk(running.port, seconds, close ? ['connection: close'] : [])
          await running.stop()
          // The first pair warms up and is discarded.
          if (i > 0) rate[which].push(requests / seconds)
        }
      }
      rows.push({
        mode: close ? 'Connection: close' : 'keep-alive',
        compared,
        bare: median(rate.bare),
        other: median(rate.other),
        ratio: median(rate.bare.map((bare, i) => rate.other[i]! / bare)),
      })
    }
  }
  return rows
}

export type Reloader = 'lameduck run' | 'pm2 + lameduck' | 'pm2 + server.close()' | 'stop and start'

interface ReloadTarget {
  port: number
  setVersion(version: string): void
  /** Resolves with whether the reload reported success. */
  reload(): Promise<boolean>
  stop(): Promise<void>
}

async function lameduckRun(): Promise<ReloadTarget> {
  const running = await start(true)
  return {
    ...running,
    async reload() {
      const run = spawn(process.execPath, [cli, 'reload', '--pid', String(running.child.pid)])
      const [code] = await once(run, 'exit')
      return code === 0
    },
  }
}

/** A restart the plain way (`systemctl restart`): SIGTERM, wait for the exit, start again. */
async function stopAndStart(): Promise<ReloadTarget> {
  const versionFile = newVersionFile()
  let running = await start(false, 0, versionFile)
  const { port } = running
  return {
    port,
    setVersion: running.setVersion,
    async reload() {
      await running.stop()
      running = await start(false, port, versionFile)
      return running.child.exitCode === null
    },
    stop: () => running.stop(),
  }
}

async function pm2(withLameduck: boolean): Promise<ReloadTarget> {
  const home = mkdtempSync(join(tmpdir(), 'lameduck-pm2-'))
  const versionFile = join(home, 'version')
  const setVersion = (version: string) => writeFileSync(versionFile, version)
  setVersion('v1')
  const port = await freePort()
  const env = {
    ...process.env,
    PM2_HOME: home,
    APP_VERSION_FILE: versionFile,
    PORT: String(port),
    WITH_LAMEDUCK: withLameduck ? '1' : '0',
  }
  const pm2 = async (...args: string[]) => {
    const run = spawn(pm2Bin, args, { env, stdio: 'ignore' })
    const [code] = await once(run, 'exit')
    return code === 0
  }
  const app = fileURLToPath(new URL('./pm2-app.cjs', import.meta.url))
  await pm2(
    'start',
    app,
    '-i',
    '1',
    '--name',
    'app',
    '--wait-ready',
    '--listen-timeout',
    '3000',
    '--kill-timeout',
    '10000',
  )
  return {
    port,
    setVersion,
    reload: () => pm2('reload', 'app'),
    async stop() {
      await pm2('kill')
    },
  }
}

const pm2Bin = fileURLToPath(new URL('../node_modules/.bin/pm2', import.meta.url))

/**
 * 3 reloads (`versions`) during a 10 s, 50-connection keep-alive load: failed requests, latency,
 * reload time. A version of "crash" is a bad deploy.
 */
export async function reloadUnderLoad(reloader: Reloader, versions: string[]) {
  const target =
    reloader === 'lameduck run'
      ? await lameduckRun()
      : reloader === 'stop and start'
        ? await stopAndStart()
        : await pm2(reloader === 'pm2 + lameduck')
  const load = cannon(target.port, 10)
  const recording = recordAutocannon(load)
  const reloads: string[] = []
  for (const version of versions) {
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    target.setVersion(version)
    const started = performance.now()
    recording.mark(`→ ${version}`, started)
    const ok = await target.reload()
    reloads.push(`${round(performance.now() - started)}${ok ? '' : ' (failed)'}`)
  }
  const result = await load
  const answering = await fetch(`http://127.0.0.1:${target.port}/`)
    .then((r) => r.text())
    .catch((error: Error) => `down (${error.message})`)
  await target.stop()
  return {
    reloader,
    failed: result.errors + result.non2xx,
    requests: result.requests.total,
    p99: result.latency.p99,
    rate: result.requests.average,
    reloads,
    answering,
    timeline: recording.done(),
  }
}

/** The same load without reloads, for the steady-state figures. */
export async function steadyLoad() {
  const running = await start(true)
  const result = await cannon(running.port, 10)
  await running.stop()
  return { p99: result.latency.p99, rate: result.requests.average, requests: result.requests.total }
}

export const RELOAD_HEAD = [
  'reloader',
  'scenario',
  'requests',
  'failed',
  'req/s',
  'p99 ms',
  'ms per reload',
  'answering at the end',
]

/**
 * A row per scenario (3 good reloads; a bad deploy between two good ones) and reloader; `onRun`
 * gets each run's figures (the charts use its timeline).
 */
export async function reloadRows(
  reloaders: Reloader[],
  onRun?: (scenario: string, run: Awaited<ReturnType<typeof reloadUnderLoad>>) => void,
): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = []
  for (const [scenario, versions] of [
    ['3 reloads', ['v2', 'v3', 'v4']],
    ['bad deploy in the middle', ['v2', 'crash', 'v4']],
  ] as const) {
    for (const reloader of reloaders) {
      const r = await reloadUnderLoad(reloader, [...versions])
      onRun?.(scenario, r)
      rows.push([
        reloader,
        scenario,
        r.requests,
        `**${r.failed}**`,
        Math.round(r.rate),
        r.p99,
        r.reloads.join(', '),
        r.answering,
      ])
    }
  }
  return rows
}

/**
 * Asks `GET /` on a new connection each time, until the answer is `version`: ms from `since`.
 * The same polling for both sides of a comparison, so its cost (about a millisecond a try, the
 * refused connects of a process still starting included) is alike on both.
 */
async function answeredAfter(port: number, version: string, since: number): Promise<number> {
  for (;;) {
    const body = await new Promise<string | undefined>((resolve) => {
      const req = get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => resolve(text))
        res.on('error', () => resolve(undefined))
      })
      req.on('error', () => resolve(undefined))
    })
    if (body === version) return performance.now() - since
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

/**
 * `lameduck run`'s reload (SIGHUP to the supervisor until the new generation answers) beside the
 * same app's own start (`node app.mjs` until its first answer), alternating, `rounds` of each.
 */
export async function reloadBesideStart(rounds: number) {
  const reload: number[] = []
  const bare: number[] = []
  const supervised = await start(true)
  try {
    for (let i = 0; i < rounds; i++) {
      for (const side of i % 2 === 0 ? ['reload', 'bare'] : ['bare', 'reload']) {
        const version = `v${i + 2}-${side}`
        if (side === 'reload') {
          supervised.setVersion(version)
          const since = performance.now()
          supervised.child.kill('SIGHUP')
          reload.push(await answeredAfter(supervised.port, version, since))
        } else {
          const versionFile = newVersionFile()
          writeFileSync(versionFile, version)
          const port = await freePort()
          const since = performance.now()
          const child = spawn(process.execPath, [app], {
            env: { ...process.env, APP_VERSION_FILE: versionFile, PORT: String(port) },
            stdio: 'ignore',
          })
          bare.push(await answeredAfter(port, version, since))
          child.kill('SIGTERM')
          await once(child, 'exit')
        }
      }
    }
  } finally {
    await supervised.stop()
  }
  return {
    rounds,
    reload: round(median(reload)),
    bare: round(median(bare)),
    gap: round(median(reload.map((ms, i) => ms - bare[i]!))),
    reloadRange: [round(Math.min(...reload)), round(Math.max(...reload))],
    bareRange: [round(Math.min(...bare)), round(Math.max(...bare))],
  }
}
