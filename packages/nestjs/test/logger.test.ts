import { sigtermCutting, sigtermDuring, startFixture } from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'

const fixture = new URL('./fixtures/server.mjs', import.meta.url)

// Nest's console logger colours its output unless NO_COLOR is set.
const plain = { NO_COLOR: '1' }

describe('nestLogger(): lameduck’s lines through Nest’s Logger, in a child process', {
  timeout: 15_000,
}, () => {
  it('a clean SIGTERM: the drain and its end on stdout, in Nest’s format with the Lameduck context', async () => {
    const child = await startFixture(fixture, { nestLogger: true }, plain)
    const { response, exit } = await sigtermDuring(child, '/slow')
    expect(response).toMatchObject({ status: 200, body: 'slow' })
    expect(exit).toEqual({ code: 0, signal: null })
    await child.closed
    const lameduck = child.lines.filter((line) => line.includes('[Lameduck]'))
    expect(lameduck).toEqual([
      expect.stringMatching(/LOG \[Lameduck\] draining \{"reason":"app\.close\(\)","servers":1\}$/),
      expect.stringMatching(
        /LOG \[Lameduck\] shutdown complete \{"report":\{"reason":"app\.close\(\)"/,
      ),
    ])
    expect(child.errors).toEqual([])
  })

  it('a forced request: the failure line on stderr through Nest’s logger, exit 1', async () => {
    const child = await startFixture(fixture, { nestLogger: true, timeout: 50 }, plain)
    expect(await sigtermCutting(child, '/slow')).toEqual({
      error: 'ECONNRESET',
      exit: { code: 1, signal: null },
    })
    await child.closed
    expect(child.errors.filter((line) => line.includes('[Lameduck]'))).toEqual([
      expect.stringMatching(
        /ERROR \[Lameduck\] shutdown \(app\.close\(\)\) not clean: 1 connection\(s\) destroyed at the deadline, 1 request\(s\) cut \{"report":/,
      ),
    ])
  })
})
