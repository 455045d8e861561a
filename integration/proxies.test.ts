// Real front ends in front of real apps, under load, through deploys: the client must see no
// error and no 5xx. Needs nginx and haproxy on the PATH (.ci/run installs them).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { keepAliveLoad, type LoadResult, p99, startNginx } from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'
import { type AppName, rollingRestart, startApp } from './apps.js'
import { freePort, startHaproxy, waitForPort } from './proxies.js'

const cli = fileURLToPath(new URL('../packages/reload/dist/cli.mjs', import.meta.url))

interface Outcome extends LoadResult {
  deploy: { from: number; to: number }
}

function report(title: string, result: Outcome): void {
  const kinds: Record<string, number> = {}
  for (const code of result.lost) kinds[code] = (kinds[code] ?? 0) + 1
  const steady = p99(result, 0, result.deploy.from).toFixed(1)
  const during = p99(result, result.deploy.from, result.deploy.to).toFixed(1)
  console.log(
    `${title}: ${result.ok + result.non2xx} requests, errors ${result.lost.length + result.refused} ` +
      `${JSON.stringify(kinds)}, 5xx ${result.non2xx}, p99 ${steady} ms steady, ${during} ms during the deploy`,
  )
}

/** Runs `deploy` under 50 keep-alive connections through the proxy, for 10 s at least. */
async function underLoad(port: number, deploy: () => Promise<void>): Promise<Outcome> {
  const started = performance.now()
  const load = keepAliveLoad({
    port,
    client: 'undici',
    connections: 50,
    path: '/',
    maxDuration: 20_000,
  })
  await new Promise((resolve) => setTimeout(resolve, 2_000))
  const from = performance.now()
  await deploy()
  const to = performance.now()
  const left = 10_000 - (performance.now() - started)
  await new Promise((resolve) => setTimeout(resolve, Math.max(1_000, left)))
  return { ...(await load.stop()), deploy: { from, to } }
}

async function instances(name: AppName, delay = 0) {
  const ports = [await freePort(), await freePort()]
  return Promise.all(
    ports.map(async (port) => ({ port, child: await startApp(name, port, delay) })),
  )
}

describe('nginx (upstream keepalive 32) in front of two instances', { timeout: 60_000 }, () => {
  for (const name of ['node-http', 'express', 'fastify', 'koa'] as const) {
    it(`${name}: a rolling restart under load gives no 502 and no error`, async () => {
      const apps = await instances(name)
      const port = await freePort()
      const nginx = await startNginx(
        port,
        apps.map((a) => a.port),
      )
      onTestFinished(() => nginx.stop())
      const result = await underLoad(port, () => rollingRestart(name, apps))
      report(`nginx + ${name}, rolling restart`, result)
      expect(result).toMatchObject({ lost: [], refused: 0, non2xx: 0 })
      expect(result.ok).toBeGreaterThan(1_000)
    })
  }
})

describe('nginx in front of lameduck run', { timeout: 60_000 }, () => {
  it('three reloads under load give no error and no 5xx', async () => {
    const appPort = await freePort()
    const supervisor = spawn(
      process.execPath,
      [
        cli,
        'run',
        '--listen',
        `127.0.0.1:${appPort}`,
        '--',
        fileURLToPath(new URL('../examples/node-http/server.mjs', import.meta.url)),
      ],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    )
    const exited = once(supervisor, 'exit')
    await waitForPort(appPort)
    const port = await freePort()
    const nginx = await startNginx(port, [appPort])
    onTestFinished(() => nginx.stop())
    const result = await underLoad(port, async () => {
      for (let i = 0; i < 3; i++) {
        const reload = spawn(process.execPath, [cli, 'reload', '--pid', String(supervisor.pid)])
        expect((await once(reload, 'exit'))[0]).toBe(0)
        await new Promise((resolve) => setTimeout(resolve, 1_500))
      }
    })
    supervisor.kill('SIGTERM')
    expect((await exited)[0]).toBe(0)
    report('nginx + lameduck run, 3 reloads', result)
    expect(result).toMatchObject({ lost: [], refused: 0, non2xx: 0 })
  })
})

describe('HAProxy (health checks on /readyz) in front of two instances', {
  timeout: 60_000,
}, () => {
  it('lameduck with a 1 s readiness delay: a rolling restart gives no error', async () => {
    const apps = await instances('kubernetes', 1_000)
    const port = await freePort()
    await startHaproxy(
      port,
      apps.map((a) => a.port),
    )
    const result = await underLoad(port, () => rollingRestart('kubernetes', apps, 1_000))
    report('haproxy + lameduck (delay 1000), rolling restart', result)
    expect(result).toMatchObject({ lost: [], refused: 0, non2xx: 0 })
  })

  it('for contrast, a bare server.close() app: the errors it causes are recorded', async () => {
    const apps = await instances('bare')
    const port = await freePort()
    await startHaproxy(
      port,
      apps.map((a) => a.port),
    )
    const result = await underLoad(port, () => rollingRestart('bare', apps))
    report('haproxy + bare server.close(), rolling restart (not asserted)', result)
    expect(result.ok).toBeGreaterThan(1_000)
  })
})
