// A SIGTERM listener lameduck did not install (the app's, an SDK's) often calls process.exit in
// the middle of the drain: attach() warns about it once, through the logger.
import { startFixture } from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'

const fixture = new URL('./fixtures/foreign-listener.mjs', import.meta.url)

async function warnings(setup: { options?: object; foreign?: boolean }) {
  const child = await startFixture(fixture, setup)
  // Both attach() calls ran before the port was printed.
  return child.lines
    .filter((line) => line.startsWith('warn '))
    .map((line) => JSON.parse(line.slice(5)))
}

describe('a foreign signal listener', { timeout: 10_000 }, () => {
  it('is warned about once, naming the signal, however many servers are attached', async () => {
    const seen = await warnings({})
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ signals: ['SIGTERM'] })
    expect(seen[0].message).toContain('another SIGTERM listener is installed')
    expect(seen[0].message).toContain('foreignSignalWarning: false')
  })

  it('is not warned about with foreignSignalWarning: false', async () => {
    expect(await warnings({ options: { foreignSignalWarning: false } })).toEqual([])
  })

  it('is not warned about when signals is false: the app handles signals itself', async () => {
    expect(await warnings({ options: { signals: false } })).toEqual([])
  })

  it("is absent when the only listener is lameduck's own", async () => {
    expect(await warnings({ foreign: false })).toEqual([])
  })

  it('is looked for among the configured signals only', async () => {
    expect(await warnings({ options: { signals: ['SIGINT'] } })).toEqual([])
  })
})
