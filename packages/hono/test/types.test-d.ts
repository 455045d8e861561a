import { serve } from '@hono/node-server'
import type { Lameduck } from '@lameduck/core'
import { type LameduckHono, lameduck } from '@lameduck/hono'
import { Hono } from 'hono'
import { describe, expectTypeOf, it } from 'vitest'

describe('@lameduck/hono types', () => {
  it('is a core handle with a middleware factory that attaches what serve() returns', () => {
    const ld = lameduck({ timeout: 10_000, health: '/live' })
    expectTypeOf(ld).toEqualTypeOf<LameduckHono>()
    expectTypeOf(ld).toExtend<Lameduck>()
    const app = new Hono().use(ld.middleware())
    expectTypeOf(ld.attach).toBeCallableWith(serve({ fetch: app.fetch }))
    const routed = new Hono<{ Variables: { user: string } }>()
    expectTypeOf(ld.routes(routed)).toEqualTypeOf(routed)
    // @ts-expect-error an app with get(path, handler)
    ld.routes({})
    // @ts-expect-error readiness takes false, a path or { path }
    lameduck({ readiness: true })
  })
})
