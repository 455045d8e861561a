import type { Lameduck } from '@lameduck/core'
import { type LameduckExpress, lameduck } from '@lameduck/express'
import express from 'express'
import { describe, expectTypeOf, it } from 'vitest'

describe('@lameduck/express types', () => {
  it('is a core handle with a middleware factory', () => {
    const ld = lameduck({ timeout: 10_000, readiness: { path: '/ready' } })
    expectTypeOf(ld).toEqualTypeOf<LameduckExpress>()
    expectTypeOf(ld).toExtend<Lameduck>()
    express().use(ld.middleware())
    // @ts-expect-error health takes false, a path or { path }
    lameduck({ health: 42 })
  })
})
