export type { AttachableServer } from './connections.js'
export { CHANNELS } from './diagnostics.js'
export {
  ControlError,
  ERROR_CODES,
  type ErrorCode,
  InvalidOptionError,
  InvalidStateError,
  LameduckError,
  ListenError,
  UnsupportedError,
  WorkerFailedError,
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
export { DEFAULTS, type LameduckOptions, type ShutdownSignal } from './options.js'
export { type ListenOptions, WORKER_ENV } from './supervised.js'
export { closeWebSocketsOnDrain, type WebSocketServerLike } from './websockets.js'
