// `ld.singleton()` in a process of its own (not a worker of `lameduck run`): the job starts at
// once and stops when the drain starts, before the hooks. The supervised side is tested in
// packages/reload/test/singleton.test.ts.
import { InvalidOptionError, InvalidStateError, lameduck } from '@lameduck/core'
import { describe, expect, it } from 'vitest'

/** A job that runs until aborted, then takes `drain` ms to finish, recording each step. */
function job(events: string[], drain = 0) {
  return (signal: AbortSignal) => {
    events.push('started')
    return new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => {
        events.push('aborted')
        setTimeout(() => {
          events.push('ended')
          resolve()
        }, drain)
      })
    })
  }
}

describe('ld.singleton() without lameduck run', () => {
  it('starts at once; aborted when the drain starts, awaited before the hooks', async () => {
    // With a delay, the shutdown has started and the drain has not: the job is aborted at the
    // start, and takes longer to end than the drain, which the hooks wait for all the same.
    const ld = lameduck({ signals: false, delay: 50 })
    const events: string[] = []
    ld.singleton('cron', job(events, 150))
    expect(events).toEqual(['started'])
    ld.onShutdown('db', () => events.push('hook'))
    const shutdown = ld.shutdown()
    expect(events).toEqual(['started', 'aborted'])
    const report = await shutdown
    expect(events).toEqual(['started', 'aborted', 'ended', 'hook'])
    expect(report.ok).toBe(true)
    expect(report.singletons).toEqual([{ name: 'cron', status: 'ok', ms: expect.any(Number) }])
    expect(report.singletons[0]!.ms).toBeGreaterThanOrEqual(149)
  })

  it('a job ignoring the abort is waited for its timeout only; the report says so', async () => {
    const errors: string[] = []
    const logger = {
      debug() {},
      info() {},
      warn() {},
      error: (_obj: unknown, msg?: string) => errors.push(msg!),
    }
    const ld = lameduck({ signals: false, logger })
    const events: string[] = []
    ld.singleton('consumer', () => new Promise(() => {}), { timeout: 50 })
    ld.onShutdown('db', () => events.push('hook'))
    const report = await ld.shutdown()
    expect(events).toEqual(['hook'])
    expect(report.ok).toBe(false)
    expect(report.singletons).toMatchObject([{ name: 'consumer', status: 'timeout' }])
    expect(report.singletons[0]!.ms).toBeGreaterThanOrEqual(49)
    // The one error line gives the time measured, which a loaded machine stretches past 59 ms.
    const { ms } = report.singletons[0]!
    expect(errors).toEqual([
      expect.stringContaining(`singleton "consumer" still running ${ms} ms after the abort`),
    ])
  })

  it('the default timeout is hookTimeout; a job still running then keeps its name', async () => {
    const ld = lameduck({ signals: false, logger: false, hookTimeout: 30 })
    ld.singleton('stuck', () => new Promise(() => {}))
    const report = await ld.shutdown()
    expect(report.singletons).toMatchObject([{ status: 'timeout' }])
    expect(report.singletons[0]!.ms).toBeLessThan(1_000)
    // It may still be doing its work: in a worker of `lameduck run`, its lease goes with the exit.
    expect(() => lameduck({ signals: false }).singleton('stuck', () => {})).toThrow(
      InvalidStateError,
    )
  })

  it("a rejection with the abort is a clean stop; any other is the job's failure", async () => {
    const ld = lameduck({ signals: false, logger: false })
    ld.singleton(
      'abortable',
      (signal) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    )
    ld.singleton('timers', async (signal) => {
      const { setTimeout } = await import('node:timers/promises')
      await setTimeout(60_000, undefined, { signal })
    })
    ld.singleton('broken', () => {
      throw new Error('queue is not defined')
    })
    const report = await ld.shutdown()
    expect(report.singletons.map((s) => [s.name, s.status])).toEqual([
      ['abortable', 'ok'],
      ['timers', 'ok'],
      ['broken', 'error'],
    ])
    expect(report.singletons[2]!.error).toEqual(new Error('queue is not defined'))
    expect(JSON.parse(JSON.stringify(report)).singletons[2].error).toMatchObject({
      message: 'queue is not defined',
    })
    expect(report.ok).toBe(false)
  })

  it('one job per name in a process, until it has ended', async () => {
    const first = lameduck({ signals: false })
    const second = lameduck({ signals: false })
    first.singleton('cron', job([]))
    expect(() => second.singleton('cron', job([]))).toThrow(InvalidStateError)
    await first.shutdown()
    second.singleton('cron', job([]))
    await second.shutdown()
  })

  it('validates its arguments and refuses a job once the shutdown started', async () => {
    const ld = lameduck({ signals: false })
    const start = () => {}
    const invalid = (fn: () => unknown, option: string) => {
      expect(fn).toThrow(InvalidOptionError)
      expect(fn).toThrow(expect.objectContaining({ code: 'LAMEDUCK_ERR_INVALID_OPTION', option }))
    }
    invalid(() => ld.singleton('', start), 'singleton(name)')
    invalid(() => ld.singleton(42 as unknown as string, start), 'singleton(name)')
    invalid(() => ld.singleton('cron', 'start' as unknown as () => void), 'singleton(fn)')
    invalid(() => ld.singleton('cron', start, { timeout: 0 }), 'singleton(options.timeout)')
    invalid(() => ld.singleton('cron', start, { timeout: 1.5 }), 'singleton(options.timeout)')
    invalid(
      () => ld.singleton('cron', start, { delay: 5 } as { timeout?: number }),
      'singleton(options.delay)',
    )
    const shutdown = ld.shutdown()
    expect(() => ld.singleton('cron', start)).toThrow(InvalidStateError)
    expect((await shutdown).singletons).toEqual([])
  })
})
