import { InvalidOptionError } from './errors.js'
import { lameduck } from './lameduck.js'
import type { LameduckOptions } from './options.js'
import {
  type HealthRoute,
  type HealthRouteMatcher,
  type HealthRouteOptions,
  healthRouteMatcher,
  healthRoutes,
} from './routes.js'
import type { Lameduck } from './types.js'

/** A handle with the health routes' middleware of a framework, as the adapters return it. */
export type HealthMiddlewareHandle<M> = Lameduck & { middleware(): M }

/**
 * A handle made from the core options, with what `build` makes of its validated health routes
 * (`match` answers whether a request is one of them) merged in: the methods an adapter adds.
 */
export function withHealthRoutes<X extends object>(
  options: (LameduckOptions & HealthRouteOptions) | undefined,
  build: (match: HealthRouteMatcher, routes: readonly HealthRoute[]) => X,
): Lameduck & X {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidOptionError('options', 'an object', options)
  }
  if (typeof build !== 'function') {
    throw new InvalidOptionError('withHealthRoutes(build)', 'a function', build)
  }
  const { health, readiness, ...coreOptions } = options ?? {}
  const ld = lameduck(coreOptions)
  const routes = healthRoutes(ld, { health, readiness })
  return Object.assign(ld, build(healthRouteMatcher(routes), routes))
}

/**
 * The common shape of an adapter for a framework without a router of its own (Express, Koa,
 * Hono): a handle made from the core options, whose `middleware()` answers the health routes.
 * `makeMiddleware(match)` builds the framework's native middleware around the route matcher.
 */
export function withHealthMiddleware<M>(
  options: (LameduckOptions & HealthRouteOptions) | undefined,
  makeMiddleware: (match: HealthRouteMatcher) => M,
): HealthMiddlewareHandle<M> {
  if (typeof makeMiddleware !== 'function') {
    throw new InvalidOptionError(
      'withHealthMiddleware(makeMiddleware)',
      'a function',
      makeMiddleware,
    )
  }
  return withHealthRoutes(options, (match) => ({ middleware: () => makeMiddleware(match) }))
}
