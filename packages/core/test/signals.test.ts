import { get, inFlight, startFixture } from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url)

describe('signals (real child processes)', { timeout: 15_000 }, () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: drains the in-flight request, runs hooks, exits 0`, async () => {
      const child = await startFixture(fixture('server.mjs'))
      const { response } = await inFlight(child, '/slow')
      child.process.kill(signal)
      expect(await response).toEqual({ status: 200, connection: 'close', body: 'slow' })
      expect(await child.exit).toEqual({ code: 0, signal: null })
      expect(child.lines).toContain('hook ran')
    })
  }

  it('works the same through the CommonJS build', async () => {
    const child = await startFixture(fixture('server.cjs'))
    const { response } = await inFlight(child, '/slow')
    child.process.kill('SIGTERM')
    expect((await response).status).toBe(200)
    expect(await child.exit).toEqual({ code: 0, signal: null })
  })

  it('exits 1 when the deadline forced a request', async () => {
    const child = await startFixture(fixture('server.mjs'), { options: { timeout: 200 } })
    const { response } = await inFlight(child, '/hang')
    child.process.kill('SIGTERM')
    expect(await child.exit).toEqual({ code: 1, signal: null })
    await expect(response).rejects.toMatchObject({ code: 'ECONNRESET' })
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
      const { response } = await inFlight(child, '/hang')
      child.process.kill(signal)
      // The first signal's shutdown is under way once the listener refuses connections.
      await expect.poll(() => get(child.port, '/fast').catch((e) => e.code)).toBe('ECONNREFUSED')
      child.process.kill(signal)
      expect(await child.exit).toEqual({ code, signal: null })
      await expect(response).rejects.toThrow()
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
    const { response } = await inFlight(child, '/slow')
    child.process.kill('SIGUSR2')
    expect((await response).status).toBe(200)
    expect(await child.exit).toEqual({ code: 0, signal: null })
  })
})
