import type { Lameduck, LameduckOptions } from '@lameduck/core'
import { type HealthRouteOptions, withHealthMiddleware } from '@lameduck/core/adapter'
import type { NextFunction, Request, Response } from 'express'

export interface LameduckExpressOptions extends LameduckOptions, HealthRouteOptions {}

export interface LameduckExpress extends Lameduck {
  /** Middleware answering the health routes before any other middleware runs; mount it first. */
  middleware(): (req: Request, res: Response, next: NextFunction) => void
}

/** A lameduck handle for an Express 4 or 5 app; `ld.attach(app.listen(port))` drains its server. */
export function lameduck(options: LameduckExpressOptions = {}): LameduckExpress {
  return withHealthMiddleware(
    options,
    (match) =>
      function lameduckHealth(req: Request, res: Response, next: NextFunction): void {
        // req.url rather than Express's req.path: this runs for every request, and cheaply.
        const route = match(req.method, req.url)
        if (route === undefined) {
          next()
          return
        }
        route.reply().then((reply) => {
          res.status(reply.status).set(reply.headers).json(reply.body)
        }, next)
      },
  )
}
