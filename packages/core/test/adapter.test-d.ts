import type { Lameduck, Logger } from '@lameduck/core'
import {
  delegateWorkerExit,
  exitAfterShutdown,
  type HealthRoute,
  type HealthRouteMatcher,
  healthRouteMatcher,
  silentLogger,
  validateDuration,
  validateLogger,
} from '@lameduck/core/adapter'
import { describe, expectTypeOf, it } from 'vitest'

describe('@lameduck/core/adapter types', () => {
  it('types the seam adapters build on', () => {
    expectTypeOf(healthRouteMatcher).parameter(0).toEqualTypeOf<readonly HealthRoute[]>()
    expectTypeOf(healthRouteMatcher([])).toEqualTypeOf<HealthRouteMatcher>()
    expectTypeOf<ReturnType<HealthRouteMatcher>>().toEqualTypeOf<HealthRoute | undefined>()
    expectTypeOf(silentLogger).toEqualTypeOf<Logger>()
    expectTypeOf(validateDuration('timeout', 5, 1)).toEqualTypeOf<number>()
    expectTypeOf(validateLogger('logger', undefined)).toEqualTypeOf<Logger>()
    expectTypeOf(delegateWorkerExit).toEqualTypeOf<(handle: Lameduck, end: () => void) => void>()
    expectTypeOf(exitAfterShutdown).toEqualTypeOf<(handle: Lameduck) => void>()
  })
})
