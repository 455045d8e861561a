import { inFlight, startFixture } from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'

const fixture = new URL('./fixtures/server.mjs', import.meta.url)

describe('@lameduck/nestjs with app.enableShutdownHooks(), in a child process', {
  timeout: 15_000,
}, () => {
  for (const platform of ['express', 'fastify']) {
    it(`${platform}: SIGTERM during a slow request: 200, then Nest’s hooks, exit 0 with useProcessExit`, async () => {
      const child = await startFixture(fixture, { platform, useProcessExit: true })
      const { response } = await inFlight(child, '/slow')
      child.process.kill('SIGTERM')
      expect(await response).toEqual({ status: 200, connection: 'close', body: 'slow' })
      expect(await child.exit).toEqual({ code: 0, signal: null })
      expect(child.lines.slice(-2)).toEqual([
        'beforeApplicationShutdown SIGTERM',
        'onApplicationShutdown SIGTERM',
      ])
    })
  }

  it('without useProcessExit Nest re-raises the signal once its hooks have run', async () => {
    const child = await startFixture(fixture, { platform: 'express' })
    const { response } = await inFlight(child, '/slow')
    child.process.kill('SIGTERM')
    expect(await response).toEqual({ status: 200, connection: 'close', body: 'slow' })
    expect(await child.exit).toEqual({ code: null, signal: 'SIGTERM' })
    expect(child.lines.at(-1)).toBe('onApplicationShutdown SIGTERM')
  })
})
