import type { Lameduck } from '@lameduck/core'
import graceful, { type LameduckFastifyOptions } from '@lameduck/fastify'
import Fastify from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'

describe('@lameduck/fastify types', () => {
  it('decorates the instance and types the options', async () => {
    const app = Fastify()
    await app.register(graceful, { timeout: 10_000, delay: 5_000, readiness: '/ready' })
    expectTypeOf(app.graceful).toEqualTypeOf<Lameduck>()
    expectTypeOf<LameduckFastifyOptions['health']>().toEqualTypeOf<
      false | string | { path: string } | undefined
    >()
    // @ts-expect-error timeout is a number of ms
    await app.register(graceful, { timeout: '10s' })
  })
})
