import type { Lameduck, LameduckOptions } from '@lameduck/core'
import { InvalidOptionError } from '@lameduck/core'
import { type HealthRoute, type HealthRouteOptions, withHealthRoutes } from '@lameduck/core/adapter'
import type { Context, MiddlewareHandler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export interface LameduckHonoOptions extends LameduckOptions, HealthRouteOptions {}

/** What `routes()` needs of a Hono app: `app.get(path, handler)`. */
export interface HonoRouter {
  get(path: string, handler: (c: Context) => Promise<Response>): unknown
}

export interface LameduckHono extends Lameduck {
  /**
   * Registers the health routes on `app` with `app.get()` (Hono answers HEAD with them too), and
   * returns `app`. Through Hono's router they cost the app's other routes nothing.
   */
  routes<App extends HonoRouter>(app: App): App
  /**
   * Middleware answering the health routes before any other middleware runs; mount it first.
   * Any first middleware makes Hono run a middleware chain for every route: `routes(app)` does not.
   */
  middleware(): MiddlewareHandler
}

async function reply(c: Context, route: HealthRoute): Promise<Response> {
  const { body, status, headers } = await route.reply()
  return c.json(body, status as ContentfulStatusCode, headers)
}

/**
 * A lameduck handle for a Hono 4 app on `@hono/node-server`:
 * `ld.attach(serve({ fetch: app.fetch, port }))` drains the server `serve()` returns.
 */
export function lameduck(options: LameduckHonoOptions = {}): LameduckHono {
  return withHealthRoutes(options, (match, healthRoutes) => ({
    routes<App extends HonoRouter>(app: App): App {
      if (typeof (app as Partial<HonoRouter> | null)?.get !== 'function') {
        throw new InvalidOptionError('routes(app)', 'a Hono app', app)
      }
      for (const route of healthRoutes) {
        app.get(route.path, async function lameduckHealth(c) {
          return reply(c, route)
        })
      }
      return app
    },
    middleware: (): MiddlewareHandler =>
      async function lameduckHealth(c, next) {
        const route = match(c.req.method, c.req.path)
        return route === undefined ? next() : reply(c, route)
      },
  }))
}
