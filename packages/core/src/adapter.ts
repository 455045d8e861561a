// `@lameduck/core/adapter`: what framework adapters and the `lameduck run` supervisor build on,
// kept out of the root export that applications import.
export { attachedHandle, delegateWorkerExit, exitAfterShutdown } from './lameduck.js'
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
export { runtime as currentRuntime } from './support.js'
export {
  type DrainRequest,
  isDrainRequest,
  isWorkerReport,
  WORKER_ENV,
  WORKER_MESSAGE,
  type WorkerReport,
} from './worker-protocol.js'
