import { inFlight, startFixture } from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url)

describe('signals (real child processes)', { timeout: 15_000 }, () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: drains the in-flight request, runs hooks, exits 0`, async () => {
      const child = await startFixture(fixture('server.mjs'))
      const raw = await inFlight(child, '/slow')
      child.process.kill(signal)
      expect(await raw.read()).toMatchObject({
        status: 200,
        headers: { connection: 'close' },
        body: 'slow',
      })
      expect(await child.exit).toEqual({ code: 0, signal: null })
      expect(child.lines).toContain('hook ran')
    })
  }

  it('works the same through the CommonJS build', async () => {
    const child = await startFixture(fixture('server.cjs'))
    const raw = await inFlight(child, '/slow')
    child.process.kill('SIGTERM')
    expect((await raw.read()).status).toBe(200)
    expect(await child.exit).toEqual({ code: 0, signal: null })
  })

  it('exits 1 when the deadline forced a request', async () => {
    const child = await startFixture(fixture('server.mjs'), { options: { timeout: 200 } })
    const raw = await inFlight(child, '/hang')
    child.process.kill('SIGTERM')
    expect(await child.exit).toEqual({ code: 1, signal: null })
    await expect(raw.read()).rejects.toThrow(/socket closed before/)
  })

  it('exits 1 when a hook failed, after running the others', async () => {
    const child = await startFixture(fixture('server.mjs'), { failingHook: true })
    child.process.kill('SIGTERM')
    expect(await child.exit).toEqual({ code: 1, signal: null })
    expect(child.lines).toContain('hook ran')
  })

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`a second ${signal} during the drain exits at once with ${code}`, async () => {
      const child = await startFixture(fixture('server.mjs'), { options: { timeout: 10_000 } })
      const raw = await inFlight(child, '/hang')
      const draining = child.line('draining')
      child.process.kill(signal)
      // The first signal's shutdown is under way: the fixture says so when ld.signal aborts.
      await draining
      child.process.kill(signal)
      expect(await child.exit).toEqual({ code, signal: null })
      await expect(raw.read()).rejects.toThrow(/socket closed before/)
    })
  }

  it('flushes the logger before it exits, so the last lines are not lost', async () => {
    const child = await startFixture(fixture('server.mjs'), { flush: 'async' })
    child.process.kill('SIGTERM')
    expect(await child.exit).toEqual({ code: 0, signal: null })
    expect(child.lines).toContain('log: lameduck: shutdown complete')
  })

  it('exits even when the logger never finishes flushing', async () => {
    const child = await startFixture(fixture('server.mjs'), { flush: 'stuck' })
    child.process.kill('SIGTERM')
    expect(await child.exit).toEqual({ code: 0, signal: null })
    expect(child.lines).toContain('hook ran')
  })

  it('leaves signals alone when signals is false', async () => {
    const child = await startFixture(fixture('server.mjs'), { options: { signals: false } })
    child.process.kill('SIGTERM')
    expect(await child.exit).toEqual({ code: null, signal: 'SIGTERM' })
  })

  it('honours a custom signal list', async () => {
    const child = await startFixture(fixture('server.mjs'), { options: { signals: ['SIGUSR2'] } })
    const raw = await inFlight(child, '/slow')
    child.process.kill('SIGUSR2')
    expect((await raw.read()).status).toBe(200)
    expect(await child.exit).toEqual({ code: 0, signal: null })
  })
})

describe('no logger given: a failure is never silent (real child processes)', {
  timeout: 15_000,
}, () => {
  it('a hook throws: exit 1 and one stderr line naming the hook and its message', async () => {
    const child = await startFixture(fixture('server.mjs'), { throwingHook: true })
    child.process.kill('SIGTERM')
    expect(await child.exit).toEqual({ code: 1, signal: null })
    await child.closed
    expect(child.errors).toEqual([
      'lameduck: shutdown (SIGTERM) not clean: hook "db" failed: pool is not defined',
    ])
  })

  it('a clean shutdown prints nothing', async () => {
    const child = await startFixture(fixture('server.mjs'))
    const raw = await inFlight(child, '/slow')
    child.process.kill('SIGTERM')
    expect((await raw.read()).status).toBe(200)
    expect(await child.exit).toEqual({ code: 0, signal: null })
    await child.closed
    expect(child.errors).toEqual([])
  })

  it('logger: false prints nothing, even when a hook throws', async () => {
    const child = await startFixture(fixture('server.mjs'), {
      throwingHook: true,
      options: { logger: false },
    })
    child.process.kill('SIGTERM')
    expect(await child.exit).toEqual({ code: 1, signal: null })
    await child.closed
    expect(child.errors).toEqual([])
  })

  it('sockets destroyed at the deadline: the line says how many, and the requests cut', async () => {
    const child = await startFixture(fixture('server.mjs'), { options: { timeout: 200 } })
    const raw = await inFlight(child, '/hang')
    child.process.kill('SIGTERM')
    expect(await child.exit).toEqual({ code: 1, signal: null })
    await expect(raw.read()).rejects.toThrow(/socket closed before/)
    await child.closed
    expect(child.errors).toEqual([
      'lameduck: shutdown (SIGTERM) not clean: 1 connection(s) destroyed at the deadline, 1 request(s) cut',
    ])
  })

  it('a second signal: the line says it cut the drain short, and the exit code', async () => {
    const child = await startFixture(fixture('server.mjs'), { options: { timeout: 10_000 } })
    const raw = await inFlight(child, '/hang')
    const draining = child.line('draining')
    child.process.kill('SIGTERM')
    await draining
    child.process.kill('SIGTERM')
    expect(await child.exit).toEqual({ code: 143, signal: null })
    await raw.read().catch(() => {})
    await child.closed
    expect(child.errors).toEqual([
      'lameduck: a second SIGTERM during the drain: exiting 143 now, open connections cut and remaining hooks not run',
    ])
  })
})
