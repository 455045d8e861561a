export type { AttachableServer } from './connections.js'
export { CHANNELS } from './diagnostics.js'
export {
  ERROR_CODES,
  InvalidOptionError,
  InvalidStateError,
  LameduckError,
} from './errors.js'
export type { CheckResult, HealthReply, Readiness, RequestHandler } from './health.js'
export type { HookResult } from './hooks.js'
export {
  type EndableResponse,
  type Lameduck,
  lameduck,
  type ShutdownReport,
  type State,
} from './lameduck.js'
export type { Logger } from './logger.js'
export {
  DEFAULTS,
  type LameduckOptions,
  type ReadinessFailsAt,
  type ShutdownSignal,
} from './options.js'
export {
  type HealthRoute,
  type HealthRouteOptions,
  healthRoutes,
  ROUTE_DEFAULTS,
  type RouteOption,
} from './routes.js'
export { type ListenOptions, WORKER_ENV } from './supervised.js'
export { closeWebSocketsOnDrain, type WebSocketServerLike } from './websockets.js'
