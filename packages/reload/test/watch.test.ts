// `lameduck run --watch`: a deploy that rewrites the code reloads with no signal at all.
import { wrkPost } from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'
import { runSupervisor, text } from './run.js'

describe('lameduck run --watch', () => {
  it('a 5 s request in flight answers "pong", the next "pong1": the file changed, no signal, wrk sees 0 failed', async () => {
    const run = await runSupervisor('pong', [], { watch: true, env: { APP_SLOW_MS: '5000' } })
    const load = wrkPost(run.port, 10)
    const arrived = run.line(/app: slow request in \(pong\)/)
    const slow = text(run.port, '/slow')
    await arrived
    const reloaded = run.line(/lameduck: reloaded/)
    run.setVersion('pong1')
    await reloaded
    // The old worker answers its request in flight; by then it has long stopped accepting (the
    // supervisor says "reloaded" just before it tells the old generation to drain).
    expect(await slow).toBe('pong slow')
    expect(await text(run.port)).toBe('pong1')
    const summary = await load.stop()
    expect(summary.requests).toBeGreaterThan(100)
    expect(summary).toMatchObject({ non2xx: 0, socketErrors: 'none' })
    // One write, one reload: the burst of events it makes is debounced into one.
    expect(run.log.filter((line) => line.includes('lameduck: change seen'))).toHaveLength(1)
  })

  it('a broken change is rolled back once, never retried in a loop; the next good one is served', async () => {
    const run = await runSupervisor('pong', [], { watch: true })
    const failed = run.line(/lameduck: reload failed/)
    run.setVersion('crash')
    await failed
    expect(await text(run.port)).toBe('pong')
    // The next change, and nothing in between: a rollback is no change.
    const reloaded = run.line(/lameduck: reloaded/)
    // The old worker has stopped accepting once it is drained (the crashed ones never say this).
    const drained = run.line(/lameduck: worker \d+ drained in \d+ ms, exit 0/)
    run.setVersion('pong2')
    await reloaded
    await drained
    expect(await text(run.port)).toBe('pong2')
    expect(run.log.filter((line) => line.includes('lameduck: reload failed'))).toHaveLength(1)
    expect(run.log.filter((line) => line.includes('lameduck: change seen'))).toHaveLength(2)
  })
})
