// nghttp2's h2load, a client nobody here wrote, against h2c apps through a SIGTERM and through
// three `lameduck run` reloads, five runs each: every stream the app received is answered, and a
// stream that is not answered never reached the app (refused before any processing, which a
// client may retry; h2load itself never retries, so it counts them as errored).
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { type H2loadResult, h2load } from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'
import { spawnBounded } from './apps.js'
import { freePort, waitForPort } from './proxies.js'

const cli = fileURLToPath(new URL('../packages/reload/dist/cli.mjs', import.meta.url))
const app = fileURLToPath(new URL('./h2c-app.mjs', import.meta.url))
const RUNS = 5

interface Run extends H2loadResult {
  /** Requests the app (every worker, under `lameduck run`) says it received. */
  received: number
}

/**
 * Sums the `received N` lines the app prints at exit, once stdout is closed: 'exit' can come
 * before the last output is read, and every worker of `lameduck run` writes to the same pipe.
 */
function receivedBy(child: ChildProcess): () => Promise<number> {
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  const closed = once(child.stdout!, 'close')
  return async () => {
    await closed
    return [...output.matchAll(/received (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0)
  }
}

function load(port: number, seconds: number): Promise<H2loadResult> {
  const run = h2load(port, { seconds })
  onTestFinished(() => run.kill())
  return run.done
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function sigtermRun(framework: string): Promise<Run> {
  const port = await freePort()
  const child = spawnBounded(process.execPath, [app], { PORT: String(port), FRAMEWORK: framework })
  const received = receivedBy(child)
  const exited = once(child, 'exit')
  await waitForPort(port)
  const result = load(port, 4)
  await pause(2_000)
  child.kill('SIGTERM')
  expect((await exited)[0]).toBe(0)
  return { ...(await result), received: await received() }
}

async function reloadRun(framework: string): Promise<Run> {
  const port = await freePort()
  const supervisor = spawnBounded(
    process.execPath,
    [cli, 'run', '--listen', `127.0.0.1:${port}`, '--', app],
    { FRAMEWORK: framework },
  )
  const received = receivedBy(supervisor)
  const exited = once(supervisor, 'exit')
  await waitForPort(port)
  const result = load(port, 8)
  await pause(1_500)
  for (let i = 0; i < 3; i++) {
    const reload = spawn(process.execPath, [cli, 'reload', '--pid', String(supervisor.pid)])
    expect((await once(reload, 'exit'))[0]).toBe(0)
    await pause(1_500)
  }
  const counts = await result
  supervisor.kill('SIGTERM')
  expect((await exited)[0]).toBe(0)
  return { ...counts, received: await received() }
}

function table(title: string, results: Run[]): void {
  const cells = results.map(
    (r) => `${r.succeeded} ok, ${r.errored} errored, ${r.received} received`,
  )
  console.log(`${title} (h2load -c 20 -m 10), ${RUNS} runs: ${cells.join('; ')}`)
}

async function runs(fn: () => Promise<Run>): Promise<Run[]> {
  const results: Run[] = []
  for (let i = 0; i < RUNS; i++) results.push(await fn())
  return results
}

/** Every request the app received was answered; the errored ones never reached it. */
function expectNoneLostInProcessing(results: Run[]): void {
  for (const r of results) {
    expect(r.failed).toBe(r.errored)
    expect(r.received).toBe(r.succeeded)
  }
}

describe('h2load through a SIGTERM and through reloads', { timeout: 120_000 }, () => {
  for (const framework of ['core', 'fastify']) {
    it(`${framework}: SIGTERM under load`, async () => {
      const results = await runs(() => sigtermRun(framework))
      table(`${framework}, SIGTERM`, results)
      expectNoneLostInProcessing(results)
    })

    it(`${framework}: three lameduck run reloads under load`, async () => {
      const results = await runs(() => reloadRun(framework))
      table(`${framework}, 3 reloads under lameduck run`, results)
      expectNoneLostInProcessing(results)
    })
  }

  it('for contrast, bare node:http2 closing its sessions: the errors are recorded', async () => {
    const results = await runs(() => sigtermRun('bare'))
    table('bare node:http2, SIGTERM (not asserted)', results)
    expect(results.every((r) => r.succeeded > 1_000)).toBe(true)
  })
})
