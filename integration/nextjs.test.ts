// Next.js 16 (examples/nextjs, built here: `next build` is too slow for `pnpm test`) stopped and
// reloaded under 50 keep-alive connections with a 2 s streaming App Router response in flight.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, request } from 'node:http'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { lameduck } from '@lameduck/core'
import { healthRouteMatcher, healthRoutes } from '@lameduck/core/adapter'
import { describeShutdownContract, keepAliveLoad, serveContract } from '@lameduck/test-utils'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { freePort, waitForPort } from './proxies.js'

const app = fileURLToPath(new URL('../examples/nextjs/', import.meta.url))
const requireFromApp = createRequire(`${app}package.json`)
const next = requireFromApp.resolve('next/dist/bin/next')
const preload = requireFromApp.resolve('@lameduck/next/preload')
const standalone = `${app}.next/standalone/examples/nextjs/server.js`
const contractApp = fileURLToPath(new URL('../packages/next/test/next-app/', import.meta.url))
const requireFromPackage = createRequire(new URL('../packages/next/package.json', import.meta.url))
const cli = fileURLToPath(new URL('../packages/reload/dist/cli.mjs', import.meta.url))
const env = { ...process.env, HOSTNAME: '127.0.0.1', NEXT_TELEMETRY_DISABLED: '1' }

function run(args: string[], extra: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: app,
    env: { ...env, ...extra },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return child
}

/** GET /stream (ten chunks over 2 s): resolves once the first chunk is in, with the rest. */
function stream(port: number) {
  return new Promise<{ status: number; connection?: string; body: Promise<string> }>(
    (resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/stream' }, (res) => {
        let text = ''
        const body = new Promise<string>((done, fail) => {
          res.on('end', () => done(text)).on('error', fail)
        })
        res.setEncoding('utf8').on('data', (chunk: string) => {
          if (text === '')
            resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body })
          text += chunk
        })
      })
        .on('error', reject)
        .end()
    },
  )
}

const chunks = Array.from({ length: 10 }, (_, i) => `chunk ${i + 1}\n`).join('')

beforeAll(async () => {
  for (const dir of [app, contractApp]) {
    const build = spawn(process.execPath, [next, 'build'], { cwd: dir, env, stdio: 'inherit' })
    expect((await once(build, 'exit'))[0]).toBe(0)
  }
}, 300_000)

// The contract's routes as route handlers (packages/next/test/next-app), served by Next in this
// process with lameduck attached to the server, as the preload attaches it; the health routes are
// answered in front of Next, as a one-file custom server would.
describeShutdownContract('next 16, App Router route handlers', async (options, probe) => {
  const nextServer = requireFromPackage('next')({ dev: false, dir: contractApp, quiet: true })
  await nextServer.prepare()
  const handle = nextServer.getRequestHandler()
  const ld = lameduck({ signals: false, ...options })
  Object.assign(globalThis, { lameduckSignal: ld.signal })
  const health = healthRouteMatcher(healthRoutes(ld))
  const server = createServer((req, res) => {
    const route = health(req.method, req.url)
    if (route !== undefined) return (route.kind === 'health' ? ld.health : ld.readiness)(req, res)
    probe.emit('arrived', req.url?.split('?')[0], req.socket.remotePort)
    handle(req, res)
  })
  ld.attach(server)
  return serveContract(server, () => ld.shutdown())
})

describe('Next.js 16 with @lameduck/next/preload', { timeout: 60_000 }, () => {
  for (const [name, entry] of [
    ['standalone server.js', standalone],
    ['next start', `${next} start`],
  ] as const) {
    it(`${name}: SIGTERM under load, the streaming response completes, no request lost, exit 0`, async () => {
      const port = await freePort()
      const child = run(['--require', preload, ...entry.split(' ')], {
        PORT: String(port),
        LAMEDUCK_DELAY: '500',
      })
      const exited = once(child, 'exit')
      await waitForPort(port)
      const load = keepAliveLoad({ port, client: 'undici', connections: 50, path: '/' })
      const inFlight = await stream(port)
      child.kill('SIGTERM')
      expect(await inFlight.body).toBe(chunks)
      const result = await load.done
      expect(await exited).toEqual([0, null])
      console.log(
        `${name}: ${result.ok} requests ok, lost ${result.lost.length}, 5xx ${result.non2xx}`,
      )
      expect(result).toMatchObject({ lost: [], non2xx: 0 })
      expect(result.ok).toBeGreaterThan(50)
    })
  }

  it('next start under lameduck run: three reloads and a stop under load, no request lost', async () => {
    const port = await freePort()
    const supervisor = run([cli, 'run', '--listen', `127.0.0.1:${port}`, '--', next, 'start'])
    const exited = once(supervisor, 'exit')
    await waitForPort(port)
    const load = keepAliveLoad({ port, client: 'undici', connections: 50, path: '/' })
    const inFlight = await stream(port)
    for (let i = 0; i < 3; i++) {
      const reload = spawn(process.execPath, [cli, 'reload', '--pid', String(supervisor.pid)])
      expect((await once(reload, 'exit'))[0]).toBe(0)
    }
    expect(await inFlight.body).toBe(chunks)
    // The load stops before the supervisor does: with no readiness delay, a connection still in
    // the accept queue when the last listener closes is reset by the kernel (see the contract).
    const result = await load.stop()
    supervisor.kill('SIGTERM')
    expect((await exited)[0]).toBe(0)
    console.log(`lameduck run, 3 reloads: ${result.ok} requests ok, lost ${result.lost.length}`)
    expect(result).toMatchObject({ lost: [], non2xx: 0 })
  })
})
