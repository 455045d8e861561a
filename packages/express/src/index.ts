import type { Lameduck, LameduckOptions } from '@lameduck/core'
import { InvalidOptionError } from '@lameduck/core'
import { type HealthRoute, type HealthRouteOptions, withHealthRoutes } from '@lameduck/core/adapter'
import type { NextFunction, Request, Response } from 'express'

export interface LameduckExpressOptions extends LameduckOptions, HealthRouteOptions {}

type Handler = (req: Request, res: Response, next: NextFunction) => void

/** What `routes()` needs of an Express app or Router: `app.get(path, handler)`. */
export interface ExpressRouter {
  get(path: string, handler: Handler): unknown
}

export interface LameduckExpress extends Lameduck {
  /**
   * Registers the health routes on `app` (or a Router) with `app.get()`, which answers HEAD too,
   * and returns `app`; call it before any other middleware. A request for another path costs two
   * path tests in Express's router, where a middleware costs every request a pass through it.
   */
  routes<App extends ExpressRouter>(app: App): App
  /** Middleware answering the health routes before any other middleware runs; mount it first. */
  middleware(): Handler
}

function reply(route: HealthRoute, res: Response, next: NextFunction): void {
  route.reply().then(({ status, headers, body }) => {
    res.status(status).set(headers).json(body)
  }, next)
}

/** A lameduck handle for an Express 4 or 5 app; `ld.attach(app.listen(port))` drains its server. */
export function lameduck(options: LameduckExpressOptions = {}): LameduckExpress {
  return withHealthRoutes(options, (match, healthRoutes) => ({
    routes<App extends ExpressRouter>(app: App): App {
      if (typeof (app as Partial<ExpressRouter> | null)?.get !== 'function') {
        throw new InvalidOptionError('routes(app)', 'an Express app or Router', app)
      }
      for (const route of healthRoutes) {
        app.get(route.path, function lameduckHealth(_req, res, next) {
          reply(route, res, next)
        })
      }
      return app
    },
    middleware: (): Handler =>
      function lameduckHealth(req, res, next) {
        // req.url rather than Express's req.path: this runs for every request, and cheaply.
        const route = match(req.method, req.url)
        if (route === undefined) next()
        else reply(route, res, next)
      },
  }))
}
