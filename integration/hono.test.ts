// Hono under `lameduck run`: three reloads under 50 keep-alive connections, nothing lost, and each
// drained worker runs its shutdown hooks.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { keepAliveLoad } from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'
import { freePort, waitForPort } from './proxies.js'

const cli = fileURLToPath(new URL('../packages/reload/dist/cli.mjs', import.meta.url))
const app = fileURLToPath(new URL('../packages/hono/test/fixtures/supervised.mjs', import.meta.url))

describe('Hono on @hono/node-server under lameduck run', { timeout: 60_000 }, () => {
  it('three reloads under load: no request lost, every drained worker runs its hooks', async () => {
    const port = await freePort()
    const supervisor = spawn(
      process.execPath,
      [cli, 'run', '--listen', `127.0.0.1:${port}`, '--', app],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    onTestFinished(() => {
      if (supervisor.exitCode === null) supervisor.kill('SIGKILL')
    })
    const hooks: string[] = []
    createInterface({ input: supervisor.stdout! }).on('line', (line) => {
      if (line.startsWith('hooks ')) hooks.push(line)
    })
    const exited = once(supervisor, 'exit')
    await waitForPort(port)
    const load = keepAliveLoad({ port, client: 'undici', connections: 50, path: '/' })
    for (let i = 0; i < 3; i++) {
      const reload = spawn(process.execPath, [cli, 'reload', '--pid', String(supervisor.pid)])
      expect((await once(reload, 'exit'))[0]).toBe(0)
    }
    const result = await load.stop()
    supervisor.kill('SIGTERM')
    expect((await exited)[0]).toBe(0)
    console.log(
      `hono, lameduck run, 3 reloads: ${result.ok} requests ok, lost ${result.lost.length}`,
    )
    expect(result).toMatchObject({ lost: [], non2xx: 0 })
    expect(hooks).toHaveLength(4)
  })
})
