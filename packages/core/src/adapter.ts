// `@lameduck/core/adapter`: what a framework adapter builds on, kept out of the root export that
// applications import.
export { silentLogger } from './logger.js'
export { validateDuration, validateLogger } from './options.js'
export {
  type HealthRoute,
  type HealthRouteMatcher,
  type HealthRouteOptions,
  healthRouteMatcher,
  healthRoutes,
  ROUTE_DEFAULTS,
  type RouteOption,
} from './routes.js'
