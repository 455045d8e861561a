import { createRequire } from 'node:module'
import { sigtermDuring, startFixture } from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'

const preload = createRequire(import.meta.url).resolve('@lameduck/next/preload')
const fixture = new URL('./fixtures/server.mjs', import.meta.url)
const withPreload = (env: Record<string, string> = {}) => ({
  NODE_OPTIONS: `--require ${preload}`,
  ...env,
})

describe('@lameduck/next/preload', { timeout: 15_000 }, () => {
  it('drains a server the app started itself: SIGTERM during a slow request, 200, exit 0', async () => {
    const child = await startFixture(fixture, {}, withPreload())
    const { response, exit } = await sigtermDuring(child, '/slow')
    expect(response).toMatchObject({ status: 200, headers: { connection: 'close' }, body: 'slow' })
    expect(exit).toEqual({ code: 0, signal: null })
  })

  it('turns off Next’s own signal handler (NEXT_MANUAL_SIG_HANDLE)', async () => {
    const child = await startFixture(fixture, {}, withPreload())
    expect(JSON.parse(child.lines[0]!)).toMatchObject({ next: 'true' })
    child.process.kill('SIGTERM')
    expect((await child.exit).code).toBe(0)
  })

  it('leaves a process that never listens alone: no signal handler', async () => {
    const idle = new URL('./fixtures/idle.mjs', import.meta.url)
    const child = await startFixture(idle, {}, withPreload())
    expect(JSON.parse(child.lines[0]!)).toMatchObject({ sigterm: 0 })
    expect(await child.exit).toEqual({ code: 0, signal: null })
  })

  it('rejects an invalid LAMEDUCK_DELAY at start, before the app runs', async () => {
    await expect(
      startFixture(fixture, {}, withPreload({ LAMEDUCK_DELAY: 'soon' })),
    ).rejects.toThrow('fixture exited with 1 before listening')
  })
})
