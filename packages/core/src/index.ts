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
export { lameduck } from './lameduck.js'
export type { Logger } from './logger.js'
export {
  type CloseWebSocketsOptions,
  closeWebSocketsOnDrain,
  type WebSocketServerLike,
} from './on-drain.js'
export {
  DEFAULTS,
  type LameduckOptions,
  type ReadinessFailsAt,
  SHUTDOWN_WAITS,
  type ShutdownSignal,
} from './options.js'
export type { AttachableServer } from './server-kind.js'
export { type GoawayMessage, NOTICE_WAITS, type OneStepReason } from './shutdown-notice.js'
export type { SingletonResult } from './singletons.js'
export type {
  EndableResponse,
  Lameduck,
  ListenOptions,
  ShutdownReport,
  State,
} from './types.js'
