import { keepAliveLoad, sigtermCutting, sigtermDuring, startFixture } from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'
import { onNest } from './nest-major.js'

const fixture = new URL('./fixtures/server.mjs', import.meta.url)

const cases = [
  { nest: 12, platform: 'express', useProcessExit: true },
  { nest: 12, platform: 'fastify', useProcessExit: true },
  { nest: 12, platform: 'express', useProcessExit: false },
  { nest: 11, platform: 'fastify', useProcessExit: true },
  { nest: 10, platform: 'express', useProcessExit: false },
  { nest: 10, platform: 'fastify', useProcessExit: false },
] as const

describe('@lameduck/nestjs with app.enableShutdownHooks(), in a child process', {
  timeout: 15_000,
}, () => {
  for (const { nest, platform, useProcessExit } of cases) {
    const exiting = useProcessExit ? 'with useProcessExit' : 'after Nest re-raises the signal'
    it(`Nest ${nest}, ${platform}: SIGTERM under 50 keep-alive connections and a slow request: nothing lost, then Nest’s hooks, exit 0 ${exiting}`, async () => {
      const child = await startFixture(
        fixture,
        // Nest 12 on a loaded 2-core machine took more than 300 ms from SIGTERM to app.close()'s
        // drain: the slow request lasts 1 s so that it is still in flight when the drain starts.
        { platform, useProcessExit, delay: 100, slowMs: 1_000 },
        nest === 12 ? {} : onNest(nest),
      )
      const load = keepAliveLoad({ port: child.port, client: 'undici', connections: 50 })
      const { response, exit } = await sigtermDuring(child, '/slow')
      expect(response).toMatchObject({
        status: 200,
        headers: { connection: 'close' },
        body: 'slow',
      })
      expect(exit).toEqual({ code: 0, signal: null })
      const result = await load.done
      expect(result).toMatchObject({ lost: [], non2xx: 0 })
      expect(result.ok).toBeGreaterThan(50)
      const pid = child.process.pid
      expect(child.lines.slice(-2)).toEqual([
        `beforeApplicationShutdown SIGTERM while closed (${pid})`,
        `onApplicationShutdown SIGTERM while closed (${pid})`,
      ])
    })
  }

  it('Nest 10: exits 1 when the drain had to force a request', async () => {
    const child = await startFixture(fixture, { timeout: 50 }, onNest(10))
    expect(await sigtermCutting(child, '/slow')).toEqual({
      error: 'ECONNRESET',
      exit: { code: 1, signal: null },
    })
    expect(child.lines.at(-1)).toMatch(/^onApplicationShutdown SIGTERM while closed/)
  })
})
