// `@lameduck/core/adapter`: what framework adapters build on, kept out of the root export that
// applications import. The `lameduck run` supervisor's own protocol is `@lameduck/core/worker`.
export { delegateWorkerExit, exitAfterShutdown } from './handle-registry.js'
export {
  type HealthMiddlewareHandle,
  withHealthMiddleware,
  withHealthRoutes,
} from './health-middleware.js'
export { failureLogger, silentLogger } from './logger.js'
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
export { errorReplacer, type SerializedError, serializeError } from './serialize-error.js'
export {
  type AttachableServer,
  type Http2AnyServer,
  isAttachableServer,
  isHttp2Server,
} from './server-kind.js'
