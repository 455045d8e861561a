import { InvalidOptionError } from './errors.js'
import { lameduck } from './lameduck.js'
import type { LameduckOptions } from './options.js'
import {
  type HealthRouteMatcher,
  type HealthRouteOptions,
  healthRouteMatcher,
  healthRoutes,
} from './routes.js'
import type { Lameduck } from './types.js'

/** A handle with the health routes' middleware of a framework, as the adapters return it. */
export type HealthMiddlewareHandle<M> = Lameduck & { middleware(): M }

/**
 * The common shape of an adapter for a framework without a router of its own (Express, Koa,
 * Hono): a handle made from the core options, whose `middleware()` answers the health routes.
 * `makeMiddleware(match)` builds the framework's native middleware around the route matcher.
 */
export function withHealthMiddleware<M>(
  options: (LameduckOptions & HealthRouteOptions) | undefined,
  makeMiddleware: (match: HealthRouteMatcher) => M,
): HealthMiddlewareHandle<M> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidOptionError('options', 'an object', options)
  }
  if (typeof makeMiddleware !== 'function') {
    throw new InvalidOptionError(
      'withHealthMiddleware(makeMiddleware)',
      'a function',
      makeMiddleware,
    )
  }
  const { health, readiness, ...coreOptions } = options ?? {}
  const ld = lameduck(coreOptions)
  const match = healthRouteMatcher(healthRoutes(ld, { health, readiness }))
  return Object.assign(ld, { middleware: () => makeMiddleware(match) })
}
