import type { Lameduck, LameduckOptions } from '@lameduck/core'
import { type HealthRouteOptions, withHealthMiddleware } from '@lameduck/core/adapter'
import type { Middleware } from 'koa'

export interface LameduckKoaOptions extends LameduckOptions, HealthRouteOptions {}

export interface LameduckKoa extends Lameduck {
  /** Middleware answering the health routes before any other middleware runs; mount it first. */
  middleware(): Middleware
}

/** A lameduck handle for a Koa 2 or 3 app; `ld.attach(app.listen(port))` drains its server. */
export function lameduck(options: LameduckKoaOptions = {}): LameduckKoa {
  // This runs for every request, so cheaply: not async (koa-compose takes the promise next()
  // returns as it is), and the URL and method read off Node's request, where ctx.url and
  // ctx.method go through two getters each to the same fields (Koa's setters write them there),
  // and ctx.path would parse the URL.
  return withHealthMiddleware(
    options,
    (match): Middleware =>
      function lameduckHealth(ctx, next) {
        const { req } = ctx
        const route = match(req.method, req.url)
        if (route === undefined) return next()
        return route.reply().then((reply) => {
          ctx.status = reply.status
          ctx.set(reply.headers)
          ctx.body = reply.body
        })
      },
  )
}
