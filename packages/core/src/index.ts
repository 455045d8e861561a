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
export {
  DEFAULTS,
  type LameduckOptions,
  type ReadinessFailsAt,
  SHUTDOWN_WAITS,
  type ShutdownSignal,
} from './options.js'
export { type GoawayMessage, NOTICE_WAITS, type OneStepReason } from './shutdown-notice.js'
export { closeWebSocketsOnDrain, type WebSocketServerLike } from './websockets.js'
export type { ListenOptions } from './worker-protocol.js'
