import type { Lameduck } from '@lameduck/core'
import { type LameduckExpress, lameduck } from '@lameduck/express'
import express from 'express'
import { describe, expectTypeOf, it } from 'vitest'

describe('@lameduck/express types', () => {
  it('is a core handle with routes(app) and a middleware factory', () => {
    const ld = lameduck({ timeout: 10_000, readiness: { path: '/ready' } })
    expectTypeOf(ld).toEqualTypeOf<LameduckExpress>()
    expectTypeOf(ld).toExtend<Lameduck>()
    express().use(ld.middleware())
    const app = express()
    expectTypeOf(ld.routes(app)).toEqualTypeOf(app)
    const router = express.Router()
    expectTypeOf(ld.routes(router)).toEqualTypeOf(router)
    // @ts-expect-error routes() takes an app or Router, something with get(path, handler)
    ld.routes({})
    // @ts-expect-error health takes false, a path or { path }
    lameduck({ health: 42 })
  })
})
