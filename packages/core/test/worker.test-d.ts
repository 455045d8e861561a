import type { CloseWebSocketsOptions, Lameduck } from '@lameduck/core'
import {
  type HealthMiddlewareHandle,
  type HealthRouteMatcher,
  isAttachableServer,
  withHealthMiddleware,
} from '@lameduck/core/adapter'
import {
  attachedHandle,
  currentRuntime,
  type DrainRequest,
  isDrainRequest,
  isSupervisedWorker,
  WORKER_ENV,
} from '@lameduck/core/worker'
import { describe, expectTypeOf, it } from 'vitest'

describe('@lameduck/core/worker and withHealthMiddleware types', () => {
  it('types the supervisor protocol', () => {
    expectTypeOf(isSupervisedWorker).toEqualTypeOf<() => boolean>()
    expectTypeOf(attachedHandle).returns.toEqualTypeOf<Lameduck | undefined>()
    expectTypeOf(currentRuntime()).toEqualTypeOf<{ name: string; version: string }>()
    expectTypeOf(WORKER_ENV.fds).toEqualTypeOf<'LAMEDUCK_FDS'>()
    expectTypeOf(isDrainRequest).guards.toEqualTypeOf<DrainRequest>()
    expectTypeOf(isAttachableServer).parameter(0).toEqualTypeOf<unknown>()
  })

  it('types the adapters’ common shape', () => {
    const ld = withHealthMiddleware({ timeout: 5_000, health: '/h' }, (match) => {
      expectTypeOf(match).toEqualTypeOf<HealthRouteMatcher>()
      return (url: string) => match('GET', url) !== undefined
    })
    expectTypeOf(ld).toEqualTypeOf<HealthMiddlewareHandle<(url: string) => boolean>>()
    expectTypeOf(ld.middleware()).toEqualTypeOf<(url: string) => boolean>()
    expectTypeOf(ld.shutdown).toEqualTypeOf<Lameduck['shutdown']>()
    expectTypeOf<CloseWebSocketsOptions>().toEqualTypeOf<{
      code?: number | undefined
      reason?: string | undefined
    }>()
  })
})
