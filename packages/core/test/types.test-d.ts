import type { Server } from 'node:http'
import type { Http2SecureServer } from 'node:http2'
import {
  type ErrorCode,
  type GoawayMessage,
  type HookResult,
  InvalidOptionError,
  type Lameduck,
  LameduckError,
  type LameduckOptions,
  lameduck,
  NOTICE_WAITS,
  type OneStepReason,
  type Readiness,
  type ReadinessFailsAt,
  type ShutdownReport,
  type SingletonResult,
  type State,
} from '@lameduck/core'
import { describe, expectTypeOf, it } from 'vitest'

describe('public types', () => {
  it('types the handle', () => {
    const ld = lameduck({ timeout: 10_000, delay: 0 })
    expectTypeOf(ld).toEqualTypeOf<Lameduck>()
    expectTypeOf(ld.state).toEqualTypeOf<State>()
    expectTypeOf<State>().toEqualTypeOf<'serving' | 'draining' | 'closed'>()
    expectTypeOf(ld.signal).toEqualTypeOf<AbortSignal>()
    expectTypeOf(ld.shutdown()).resolves.toEqualTypeOf<ShutdownReport>()
    expectTypeOf(ld.checkReadiness()).resolves.toEqualTypeOf<Readiness>()
    expectTypeOf<Server>().toExtend<Parameters<Lameduck['attach']>[0]>()
    expectTypeOf<Http2SecureServer>().toExtend<Parameters<Lameduck['attach']>[0]>()
    expectTypeOf(ld.onShutdown('db', () => {})).toEqualTypeOf<Lameduck>()
    expectTypeOf<ShutdownReport['hooks']>().toEqualTypeOf<HookResult[]>()
    expectTypeOf(ld.singleton('cron', (signal) => signal.aborted)).toEqualTypeOf<Lameduck>()
    expectTypeOf(ld.singleton('cron', async () => {}, { timeout: 1_000 })).toEqualTypeOf<Lameduck>()
    expectTypeOf<Parameters<Lameduck['singleton']>[1]>().parameter(0).toEqualTypeOf<AbortSignal>()
    expectTypeOf<ShutdownReport['singletons']>().toEqualTypeOf<SingletonResult[]>()
    expectTypeOf<SingletonResult['status']>().toEqualTypeOf<'ok' | 'idle' | 'error' | 'timeout'>()
    expectTypeOf<keyof ShutdownReport['http2']['oneStep']>().toEqualTypeOf<OneStepReason>()
    expectTypeOf<GoawayMessage>().toExtend<{ steps: 1 | 2 }>()
    expectTypeOf(NOTICE_WAITS).toExtend<{ readonly boundary: number; readonly ack: number }>()
    expectTypeOf<ShutdownReport['synGuardUnavailable']>().toEqualTypeOf<string | undefined>()
  })

  it('rejects wrong options at compile time', () => {
    // @ts-expect-error timeout is a number of ms
    lameduck({ timeout: '10s' })
    // @ts-expect-error a singleton takes a timeout only
    lameduck().singleton('cron', () => {}, { delay: 5 })
    // @ts-expect-error unknown option
    lameduck({ timeot: 10 })
    // @ts-expect-error SIGKILL cannot be handled
    lameduck({ signals: ['SIGKILL'] })
    expectTypeOf<LameduckOptions['signals']>().toEqualTypeOf<
      | readonly ('SIGTERM' | 'SIGINT' | 'SIGHUP' | 'SIGQUIT' | 'SIGUSR1' | 'SIGUSR2')[]
      | false
      | undefined
    >()
    // @ts-expect-error readiness fails at the shutdown or at the listener's close
    lameduck({ readinessFailsAt: 'listen' })
    expectTypeOf<ReadinessFailsAt>().toEqualTypeOf<'shutdown' | 'close'>()
    expectTypeOf<LameduckOptions['readinessFailsAt']>().toEqualTypeOf<
      ReadinessFailsAt | undefined
    >()
    expectTypeOf<LameduckOptions['foreignSignalWarning']>().toEqualTypeOf<boolean | undefined>()
    expectTypeOf<LameduckOptions['closeSpread']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<ShutdownReport['closeSpread']>().toEqualTypeOf<{
      window: number
      closes: number
    }>()
    expectTypeOf(lameduck().shutdown)
      .parameter(1)
      .toEqualTypeOf<{ delay?: number; closeSpread?: number } | undefined>()
  })

  it('types error codes as a literal union, one per class', () => {
    expectTypeOf<ErrorCode>().toEqualTypeOf<
      | 'LAMEDUCK_ERR_INVALID_OPTION'
      | 'LAMEDUCK_ERR_INVALID_STATE'
      | 'LAMEDUCK_ERR_LISTEN'
      | 'LAMEDUCK_ERR_UNSUPPORTED'
      | 'LAMEDUCK_ERR_WORKER_FAILED'
      | 'LAMEDUCK_ERR_CONTROL'
    >()
    expectTypeOf<LameduckError['code']>().toEqualTypeOf<ErrorCode>()
    expectTypeOf<InvalidOptionError['code']>().toEqualTypeOf<'LAMEDUCK_ERR_INVALID_OPTION'>()
    expectTypeOf(InvalidOptionError.code).toEqualTypeOf<'LAMEDUCK_ERR_INVALID_OPTION'>()
    // @ts-expect-error the base class is abstract: each code has its own class
    new LameduckError('message')
  })
})
