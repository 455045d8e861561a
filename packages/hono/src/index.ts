import type { Lameduck, LameduckOptions } from '@lameduck/core'
import { type HealthRouteOptions, withHealthMiddleware } from '@lameduck/core/adapter'
import type { MiddlewareHandler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export interface LameduckHonoOptions extends LameduckOptions, HealthRouteOptions {}

export interface LameduckHono extends Lameduck {
  /** Middleware answering the health routes before any other middleware runs; mount it first. */
  middleware(): MiddlewareHandler
}

/**
 * A lameduck handle for a Hono 4 app on `@hono/node-server`:
 * `ld.attach(serve({ fetch: app.fetch, port }))` drains the server `serve()` returns.
 */
export function lameduck(options: LameduckHonoOptions = {}): LameduckHono {
  return withHealthMiddleware(
    options,
    (match): MiddlewareHandler =>
      async function lameduckHealth(c, next) {
        const route = match(c.req.method, c.req.path)
        if (route === undefined) return next()
        const reply = await route.reply()
        return c.json(reply.body, reply.status as ContentfulStatusCode, reply.headers)
      },
  )
}
