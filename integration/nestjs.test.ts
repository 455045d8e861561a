// NestJS under `lameduck run`: three reloads under 50 keep-alive connections, nothing lost, and
// each drained worker runs Nest's shutdown hooks after its drain, then exits 0.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { get, keepAliveLoad } from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'
import { onNest } from '../packages/nestjs/test/nest-major.js'
import { freePort, waitForPort } from './proxies.js'

const cli = fileURLToPath(new URL('../packages/reload/dist/cli.mjs', import.meta.url))
const app = fileURLToPath(new URL('../packages/nestjs/test/fixtures/server.mjs', import.meta.url))

const cases = [
  { nest: 12, platform: 'express', useProcessExit: true, shutdownHooks: true },
  { nest: 12, platform: 'fastify', useProcessExit: false, shutdownHooks: true },
  { nest: 10, platform: 'fastify', useProcessExit: false, shutdownHooks: true },
  // Without Nest's shutdown hooks the workers are drained and exit all the same, hooks unrun.
  { nest: 12, platform: 'express', useProcessExit: false, shutdownHooks: false },
] as const

describe('NestJS under lameduck run', { timeout: 60_000 }, () => {
  for (const { nest, platform, useProcessExit, shutdownHooks } of cases) {
    const hooksRun = shutdownHooks
      ? 'Nest’s hooks after each drain'
      : 'no enableShutdownHooks(), so no hooks'
    it(`Nest ${nest}, ${platform}: three reloads under load, nothing lost, ${hooksRun}`, async () => {
      const port = await freePort()
      const supervisor = spawn(
        process.execPath,
        [cli, 'run', '--listen', `127.0.0.1:${port}`, '--', app],
        {
          env: {
            ...process.env,
            ...(nest === 12 ? {} : onNest(nest)),
            FIXTURE: JSON.stringify({ platform, useProcessExit, shutdownHooks }),
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      )
      onTestFinished(() => {
        if (supervisor.exitCode === null) supervisor.kill('SIGKILL')
      })
      const hooks: string[] = []
      let onArrived = () => {}
      createInterface({ input: supervisor.stdout! }).on('line', (line) => {
        if (line.includes('ApplicationShutdown')) hooks.push(line)
        if (line === 'arrived /slow') onArrived()
      })
      const exited = once(supervisor, 'exit')
      await waitForPort(port)
      const load = keepAliveLoad({ port, client: 'undici', connections: 50 })
      for (let i = 0; i < 3; i++) {
        // A slow request in flight on the worker being drained is answered.
        const arrived = new Promise<void>((resolve) => {
          onArrived = resolve
        })
        const slow = get(port, '/slow')
        await arrived
        const reload = spawn(process.execPath, [cli, 'reload', '--pid', String(supervisor.pid)])
        expect(await slow).toMatchObject({ status: 200, body: 'slow' })
        expect((await once(reload, 'exit'))[0]).toBe(0)
      }
      const result = await load.stop()
      supervisor.kill('SIGTERM')
      // 0 only when every worker exited 0.
      expect((await exited)[0]).toBe(0)
      console.log(
        `nest ${nest} ${platform}, lameduck run, 3 reloads: ${result.ok} requests ok, lost ${result.lost.length}`,
      )
      expect(result).toMatchObject({ lost: [], non2xx: 0 })
      // Two hooks for each of the four workers, both after its drain.
      expect(hooks).toHaveLength(shutdownHooks ? 8 : 0)
      for (const line of hooks) expect(line).toMatch(/ApplicationShutdown SIGTERM while closed/)
    })
  }
})
