import { lameduck as coreLameduck, type Lameduck, type LameduckOptions } from '@lameduck/core'
import { type HealthRouteOptions, healthRouteMatcher, healthRoutes } from '@lameduck/core/adapter'
import type { Middleware } from 'koa'

export interface LameduckKoaOptions extends LameduckOptions, HealthRouteOptions {}

export interface LameduckKoa extends Lameduck {
  /** Middleware answering the health routes before any other middleware runs; mount it first. */
  middleware(): Middleware
}

/** A lameduck handle for a Koa 2 or 3 app; `ld.attach(app.listen(port))` drains its server. */
export function lameduck(options: LameduckKoaOptions = {}): LameduckKoa {
  const { health, readiness, ...coreOptions } = options
  const ld = coreLameduck(coreOptions)
  const match = healthRouteMatcher(healthRoutes(ld, { health, readiness }))
  return Object.assign(ld, {
    middleware(): Middleware {
      return async function lameduckHealth(ctx, next) {
        const route = match(ctx.method, ctx.path)
        if (route === undefined) return next()
        const reply = await route.reply()
        ctx.status = reply.status
        ctx.set(reply.headers)
        ctx.body = reply.body
      }
    },
  })
}
