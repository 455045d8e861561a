import type { Lameduck } from '@lameduck/core'
import { type LameduckKoa, lameduck } from '@lameduck/koa'
import Koa from 'koa'
import { describe, expectTypeOf, it } from 'vitest'

describe('@lameduck/koa types', () => {
  it('is a core handle with a middleware factory', () => {
    const ld = lameduck({ timeout: 10_000, health: '/live' })
    expectTypeOf(ld).toEqualTypeOf<LameduckKoa>()
    expectTypeOf(ld).toExtend<Lameduck>()
    new Koa().use(ld.middleware())
    // @ts-expect-error readiness takes false, a path or { path }
    lameduck({ readiness: true })
  })
})
