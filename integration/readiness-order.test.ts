// readinessFailsAt against a real HAProxy health check on /readyz: with 'shutdown' HAProxy takes
// the server out on the 503 while its listener is still open (Layer 7); with 'close' every check
// during the delay passes and the server goes down only when connections are refused (Layer 4).
import { startFixture } from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'
import { freePort, startHaproxy } from './proxies.js'

const app = new URL('./readiness-app.mjs', import.meta.url)

/** The readiness answers between SIGTERM and the listener's close, and HAProxy's DOWN line. */
async function shutdownSeenByHaproxy(readinessFailsAt: 'shutdown' | 'close') {
  const port = await freePort()
  const child = await startFixture(app, { port, options: { delay: 1_500, readinessFailsAt } })
  let onDown: (line: string) => void = () => {}
  const down = new Promise<string>((resolve) => {
    onDown = resolve
  })
  await startHaproxy(await freePort(), [port], (line) => {
    if (line.includes('Server app/s0 is DOWN')) onDown(line)
  })
  await child.line('readyz 200')
  child.process.kill('SIGTERM')
  const line = await down
  expect((await child.exit).code).toBe(0)
  const { lines } = child
  const duringDelay = lines.slice(lines.indexOf('phase draining'), lines.indexOf('phase drain'))
  return {
    line,
    duringDelay: duringDelay.filter((l) => l.startsWith('readyz ')),
    afterClose: lines.slice(lines.indexOf('phase drain')).filter((l) => l.startsWith('readyz ')),
  }
}

describe('readinessFailsAt with a HAProxy health check (inter 200 ms, fall 1)', {
  timeout: 20_000,
}, () => {
  it("'shutdown': the check gets 503 during the delay and HAProxy takes the server out on it", async () => {
    const seen = await shutdownSeenByHaproxy('shutdown')
    expect(seen.duringDelay[0]).toBe('readyz 503')
    expect(seen.line).toContain('Layer7 wrong status')
    expect(seen.line).toContain('code: 503')
  })

  it("'close': every check during the delay passes; the server goes down when the listener closes", async () => {
    const seen = await shutdownSeenByHaproxy('close')
    expect(seen.duringDelay.length).toBeGreaterThan(0)
    expect(new Set(seen.duringDelay)).toEqual(new Set(['readyz 200']))
    expect(seen.afterClose).toEqual([])
    expect(seen.line).toContain('Layer4 connection problem')
  })
})
