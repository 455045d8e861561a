import type { Lameduck as CoreLameduck, Logger } from '@lameduck/core'
import { InjectLameduck, type Lameduck, LameduckModule, nestLogger } from '@lameduck/nestjs'
import { ConsoleLogger, type DynamicModule } from '@nestjs/common'
import { describe, expectTypeOf, it } from 'vitest'

describe('@lameduck/nestjs types', () => {
  it('is a dynamic module whose token is typed as the core handle', () => {
    expectTypeOf(
      LameduckModule.forRoot({ timeout: 10_000, readiness: '/ready' }),
    ).toEqualTypeOf<DynamicModule>()
    expectTypeOf(
      LameduckModule.forRootAsync({ useFactory: async () => ({ delay: 5_000 }) }),
    ).toEqualTypeOf<DynamicModule>()
    expectTypeOf<Lameduck>().toExtend<CoreLameduck>()
    expectTypeOf(nestLogger()).toEqualTypeOf<Logger>()
    expectTypeOf(nestLogger(new ConsoleLogger('app'))).toEqualTypeOf<Logger>()
    // @ts-expect-error a Nest LoggerService, not a string
    nestLogger('Lameduck')
    expectTypeOf(InjectLameduck()).toExtend<ParameterDecorator>()
    // @ts-expect-error Nest's enableShutdownHooks() handles the signals
    LameduckModule.forRoot({ signals: ['SIGTERM'] })
    // @ts-expect-error readiness takes false, a path or { path }
    LameduckModule.forRoot({ readiness: true })
  })
})
