import { fork } from 'node:child_process'
import { once } from 'node:events'
import { InvalidOptionError, ListenError, lameduck } from '@lameduck/core'
import { describe, expect, it, onTestFinished } from 'vitest'

function forkListen(fixture: unknown) {
  const child = fork(new URL('./fixtures/listen.mjs', import.meta.url), {
    env: { ...process.env, FIXTURE: JSON.stringify(fixture) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    // The test runner's own flags would make the child load the TypeScript sources.
    execArgv: [],
  })
  onTestFinished(() => {
    child.kill('SIGKILL')
  })
  const messages: unknown[] = []
  child.on('message', (message) => messages.push(message))
  return { child, messages }
}

describe('ld.listen()', { timeout: 10_000 }, () => {
  it('listens on the port and tells a parent process it is ready (lameduck and PM2 forms)', async () => {
    const { child, messages } = forkListen({})
    await once(child.stdout!, 'data')
    expect(messages).toEqual([
      {
        lameduck: 'ready',
        pid: child.pid,
        checks: { db: expect.objectContaining({ status: 'ok' }) },
      },
      'ready',
    ])
    child.kill('SIGTERM')
    expect((await once(child, 'exit'))[0]).toBe(0)
  })

  it('reports failed readiness checks instead of ready', async () => {
    const { child, messages } = forkListen({ checkFails: true })
    await once(child.stdout!, 'data')
    expect(messages).toEqual([expect.objectContaining({ lameduck: 'failed' })])
  })

  it('rejects with a ListenError when the port is taken', async () => {
    const { createServer } = await import('node:http')
    const taken = createServer().listen(0, '127.0.0.1')
    await once(taken, 'listening')
    onTestFinished(() => {
      taken.close()
    })
    const { port } = taken.address() as { port: number }
    const ld = lameduck({ signals: false })
    const listening = ld.listen(createServer(), { port, host: '127.0.0.1' })
    await expect(listening).rejects.toBeInstanceOf(ListenError)
    await expect(listening).rejects.toMatchObject({
      address: `127.0.0.1:${port}`,
      cause: { code: 'EADDRINUSE' },
    })
    await ld.shutdown()
  })

  it('validates its options', async () => {
    const ld = lameduck({ signals: false })
    const { createServer } = await import('node:http')
    await expect(ld.listen(createServer(), {})).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(ld.listen(createServer(), { port: 70_000 })).rejects.toMatchObject({
      option: 'listen(options.port)',
    })
    await expect(ld.listen(createServer(), { port: 1, extra: 1 } as never)).rejects.toMatchObject({
      option: 'listen(options.extra)',
    })
  })
})

describe('shutdown(reason, { delay })', () => {
  it('overrides the configured delay for this shutdown', async () => {
    const ld = lameduck({ signals: false, delay: 2_000, timeout: 5_000 })
    const report = await ld.shutdown('reload', { delay: 0 })
    expect(report.durations.total).toBeLessThan(1_000)
    expect(() => lameduck({ signals: false }).shutdown('x', { delay: -1 })).toThrow(
      InvalidOptionError,
    )
  })
})
