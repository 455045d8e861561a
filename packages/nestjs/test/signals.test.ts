import { keepAliveLoad, sigtermDuring, startFixture } from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'

const fixture = new URL('./fixtures/server.mjs', import.meta.url)

describe('@lameduck/nestjs with app.enableShutdownHooks(), in a child process', {
  timeout: 15_000,
}, () => {
  for (const platform of ['express', 'fastify']) {
    it(`${platform}: SIGTERM under 50 keep-alive connections and a slow request: nothing lost, then Nest’s hooks, exit 0 with useProcessExit`, async () => {
      const child = await startFixture(fixture, { platform, useProcessExit: true, delay: 100 })
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
      expect(child.lines.slice(-2)).toEqual([
        'beforeApplicationShutdown SIGTERM',
        'onApplicationShutdown SIGTERM',
      ])
    })
  }

  it('without useProcessExit Nest re-raises the signal once its hooks have run', async () => {
    const child = await startFixture(fixture, { platform: 'express' })
    const { response, exit } = await sigtermDuring(child, '/slow')
    expect(response).toMatchObject({ status: 200, headers: { connection: 'close' }, body: 'slow' })
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' })
    expect(child.lines.at(-1)).toBe('onApplicationShutdown SIGTERM')
  })
})
