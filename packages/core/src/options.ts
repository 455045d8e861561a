import { InvalidOptionError } from './errors.js'
import { failureLogger, type Logger, silentLogger } from './logger.js'
import type { Lameduck } from './types.js'

export type ShutdownSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP' | 'SIGQUIT' | 'SIGUSR1' | 'SIGUSR2'

/** When readiness starts answering 503: at the start of the shutdown, or when the listener closes. */
export type ReadinessFailsAt = 'shutdown' | 'close'

export interface LameduckOptions {
  /**
   * Deadline in ms for the whole drain, counted from the moment shutdown starts (the `delay`
   * included). Sockets still open then are destroyed and reported.
   * @default 10000
   */
  timeout?: number | undefined
  /**
   * Ms to keep serving normally after readiness flips to 503 and before the listener closes, so
   * load balancers stop routing here first. Must be less than `timeout`.
   * @default 0
   */
  delay?: number | undefined
  /**
   * When readiness starts failing. `'shutdown'`: at once, so load balancers that probe it stop
   * routing here during `delay`. `'close'`: readiness stays as it was during `delay` and fails
   * when the listener closes, for proxies that keep using terminating endpoints only while they
   * are ready (Kubernetes with one replica, KEP-1669).
   * @default 'shutdown'
   */
  readinessFailsAt?: ReadinessFailsAt | undefined
  /**
   * Ms over which long-lived connections are told to go, from the moment the listener closes:
   * each WebSocket client given to `closeWebSocketsOnDrain`, response given to `endOnDrain`,
   * HTTP/2 session (its GOAWAY) and idle keep-alive socket at its own random moment of the
   * window, so that their clients do not all reconnect to the rest of the fleet at once. Busy
   * HTTP/1.1 responses still get `Connection: close`, and the deadline still ends everything at
   * once. `delay` + `closeSpread` must be less than `timeout`. 0 tells them all at once.
   * @default 0
   */
  closeSpread?: number | undefined
  /**
   * During the drain, a keep-alive socket is closed only after it has been idle this many ms; a
   * request arriving earlier is served with `Connection: close`. 0 closes idle sockets at once,
   * which races clients that have a request on the wire.
   * @default 1000
   */
  idleGrace?: number | undefined
  /**
   * Default timeout in ms of each cleanup hook registered with `onShutdown`.
   * @default 5000
   */
  hookTimeout?: number | undefined
  /**
   * Default timeout in ms of each readiness check.
   * @default 1000
   */
  checkTimeout?: number | undefined
  /**
   * Process signals that start the shutdown and then exit the process (0 when clean, 1 when
   * anything was forced or a hook failed); a second one exits at once (128 + signal number).
   * `false` leaves signals and `process.exit` alone.
   * @default ['SIGTERM', 'SIGINT']
   */
  signals?: readonly ShutdownSignal[] | false | undefined
  /**
   * Warn once, at `attach()`, when a listener of one of `signals` exists that lameduck did not
   * install: such handlers often call `process.exit` in the middle of the drain.
   * @default true
   */
  foreignSignalWarning?: boolean | undefined
  /**
   * On Linux, when the optional `@lameduck/syn-guard` is installed, close each listener this
   * process bound without resetting the connections the kernel has already completed: new SYNs
   * are dropped from the drain's start (clients retransmit them into the closed port and are
   * refused), the accept queue is emptied, then the listener closes. `false` closes it at once.
   * @default true
   */
  synGuard?: boolean | undefined
  /**
   * A pino-compatible logger, or `false` for none at all. Without one, lameduck is silent unless a
   * shutdown is not clean: then it writes one line on stderr saying what failed and what was forced.
   * @default one stderr line per unclean shutdown, nothing otherwise
   */
  logger?: Logger | false | undefined
}

export interface ResolvedOptions {
  readonly timeout: number
  readonly delay: number
  readonly readinessFailsAt: ReadinessFailsAt
  readonly closeSpread: number
  readonly idleGrace: number
  readonly hookTimeout: number
  readonly checkTimeout: number
  readonly signals: readonly ShutdownSignal[] | false
  readonly foreignSignalWarning: boolean
  readonly synGuard: boolean
  readonly logger: Logger
}

export const DEFAULTS: ResolvedOptions = Object.freeze({
  timeout: 10_000,
  delay: 0,
  readinessFailsAt: 'shutdown',
  closeSpread: 0,
  idleGrace: 1_000,
  hookTimeout: 5_000,
  checkTimeout: 1_000,
  signals: Object.freeze(['SIGTERM', 'SIGINT'] as const),
  foreignSignalWarning: true,
  synGuard: true,
  logger: failureLogger,
})

/**
 * The bounded waits that come on top of `timeout` and the hook timeouts, in ms: `forcedClose` for
 * sockets destroyed at the deadline to report their close, then, before lameduck exits the
 * process, `flush` for the logger. The longest from a signal to the exit is `timeout` + the hook
 * timeouts + both.
 */
export const SHUTDOWN_WAITS = Object.freeze({ forcedClose: 1_000, flush: 1_000 })

const SIGNALS: ReadonlySet<string> = new Set<ShutdownSignal>([
  'SIGTERM',
  'SIGINT',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
])

const LOG_METHODS = ['debug', 'info', 'warn', 'error'] as const

export function validateOptions(input: unknown): ResolvedOptions {
  if (input === undefined) return DEFAULTS
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidOptionError('options', 'an object', input)
  }
  const options = input as Record<string, unknown>
  for (const key of Object.keys(options)) {
    // Own keys only: `key in DEFAULTS` would take `toString` and the rest of Object.prototype.
    if (!Object.hasOwn(DEFAULTS, key)) {
      const expected = `one of ${Object.keys(DEFAULTS).join(', ')}`
      throw new InvalidOptionError(key, expected, options[key], key)
    }
  }
  const resolved: ResolvedOptions = {
    timeout: duration(options, 'timeout', 1),
    delay: duration(options, 'delay', 0),
    readinessFailsAt: oneOf(options, 'readinessFailsAt', ['shutdown', 'close']),
    closeSpread: duration(options, 'closeSpread', 0),
    idleGrace: duration(options, 'idleGrace', 0),
    hookTimeout: duration(options, 'hookTimeout', 1),
    checkTimeout: duration(options, 'checkTimeout', 1),
    signals: signals(options.signals),
    foreignSignalWarning: oneOf(options, 'foreignSignalWarning', [true, false]),
    synGuard: oneOf(options, 'synGuard', [true, false]),
    logger: validateLogger('logger', options.logger, failureLogger),
  }
  assertBelowTimeout('delay', resolved.delay, resolved.timeout)
  assertSpreadFits(resolved, resolved.timeout, 'closeSpread')
  return Object.freeze(resolved)
}

// The delay is part of the shutdown's one budget: a delay reaching the deadline would leave the
// drain no time at all and force every socket, idle ones included.
function assertBelowTimeout(name: string, delay: number, timeout: number): void {
  if (delay >= timeout) {
    throw new InvalidOptionError(name, `a number of ms less than timeout (${timeout})`, delay)
  }
}

// The window comes after the delay, and must end before the deadline, or the last goodbyes would
// be cut at it instead of said.
// `blame`: the option named in the error, the one the caller set.
function assertSpreadFits(
  timing: ShutdownTiming,
  timeout: number,
  blame: keyof ShutdownTiming,
  name: string = blame,
): void {
  if (timing.delay + timing.closeSpread < timeout) return
  const other = blame === 'delay' ? 'closeSpread' : 'delay'
  const expected = `a number of ms less than timeout - ${other} (${timeout} - ${timing[other]})`
  throw new InvalidOptionError(name, expected, timing[blame])
}

type DurationKey =
  | 'timeout'
  | 'delay'
  | 'closeSpread'
  | 'idleGrace'
  | 'hookTimeout'
  | 'checkTimeout'

function duration(options: Record<string, unknown>, key: DurationKey, min: number): number {
  const value = options[key]
  if (value === undefined) return DEFAULTS[key]
  return validateDuration(key, value, min)
}

function oneOf<K extends 'readinessFailsAt' | 'foreignSignalWarning' | 'synGuard'>(
  options: Record<string, unknown>,
  key: K,
  allowed: readonly ResolvedOptions[K][],
): ResolvedOptions[K] {
  const value = options[key]
  if (value === undefined) return DEFAULTS[key]
  if (!allowed.includes(value as ResolvedOptions[K])) {
    throw new InvalidOptionError(key, allowed.map((a) => JSON.stringify(a)).join(' or '), value)
  }
  return value as ResolvedOptions[K]
}

/** Also used for per-call `{ timeout }` options. */
export function validateDuration(name: string, value: unknown, min: number): number {
  // setTimeout clamps anything above 2^31-1 ms to 1 ms, which would turn a long deadline into none.
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 2 ** 31 - 1) {
    throw new InvalidOptionError(name, `an integer number of ms from ${min} to 2147483647`, value)
  }
  return value
}

function signals(value: unknown): readonly ShutdownSignal[] | false {
  if (value === undefined) return DEFAULTS.signals
  if (value === false) return false
  const expected = `false or an array of ${[...SIGNALS].join(', ')}`
  if (!Array.isArray(value)) throw new InvalidOptionError('signals', expected, value)
  for (const signal of value) {
    if (typeof signal !== 'string' || !SIGNALS.has(signal)) {
      throw new InvalidOptionError('signals', expected, signal)
    }
  }
  return Object.freeze([...new Set(value as ShutdownSignal[])])
}

/** A pino-compatible logger; `fallback` when `value` is undefined, the silent one when false. */
export function validateLogger(name: string, value: unknown, fallback = silentLogger): Logger {
  if (value === undefined) return fallback
  if (value === false) return silentLogger
  const missing =
    typeof value !== 'object' || value === null
      ? LOG_METHODS
      : LOG_METHODS.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function')
  if (missing.length > 0) {
    throw new InvalidOptionError(
      name,
      'false or an object with debug, info, warn and error methods',
      value,
    )
  }
  return value as Logger
}

/**
 * The options object a method takes: `undefined` (none given) or an object holding only `keys`.
 * `null`, other values and unknown keys are rejected, each naming the call.
 */
export function validateCallOptions(
  method: string,
  value: unknown,
  keys: readonly string[],
  expected = `an object with only ${keys.join(', ')}`,
): Record<string, unknown> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(`${method}(options)`, expected, value)
  }
  const options = value as Record<string, unknown>
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) {
      throw new InvalidOptionError(
        `${method}(options.${key})`,
        `only ${keys.join(', ')}`,
        options[key],
        key,
      )
    }
  }
  return options
}

/** `(name, fn)` of `onShutdown` and `addReadinessCheck`. */
export function assertNamedFunction(method: string, name: unknown, fn: unknown): void {
  if (typeof name !== 'string' || name === '') {
    throw new InvalidOptionError(`${method}(name)`, 'a non-empty string', name)
  }
  if (typeof fn !== 'function') throw new InvalidOptionError(`${method}(fn)`, 'a function', fn)
}

/** The `{ timeout }` of `onShutdown` and `addReadinessCheck`, or `fallback`. */
export function validateCallTimeout(method: string, options: unknown, fallback: number): number {
  const { timeout } = validateCallOptions(method, options, ['timeout'])
  return timeout === undefined
    ? fallback
    : validateDuration(`${method}(options.timeout)`, timeout, 1)
}

/** The delay and the close spread of one shutdown. */
export interface ShutdownTiming {
  delay: number
  closeSpread: number
}

/**
 * The `{ delay, closeSpread }` of `shutdown()`, each the configured one when not given; bounded
 * by `timeout` like them.
 */
export function validateShutdownTiming(options: unknown, config: ResolvedOptions): ShutdownTiming {
  const given = validateCallOptions('shutdown', options, ['delay', 'closeSpread'])
  const timing = {
    delay:
      given.delay === undefined
        ? config.delay
        : validateDuration('shutdown(options.delay)', given.delay, 0),
    closeSpread:
      given.closeSpread === undefined
        ? config.closeSpread
        : validateDuration('shutdown(options.closeSpread)', given.closeSpread, 0),
  }
  assertBelowTimeout('shutdown(options.delay)', timing.delay, config.timeout)
  const blame = given.closeSpread === undefined ? 'delay' : 'closeSpread'
  assertSpreadFits(timing, config.timeout, blame, `shutdown(options.${blame})`)
  return timing
}

/** A lameduck handle, as far as a function taking one (an adapter's, `closeWebSocketsOnDrain`) needs. */
export function assertHandle(name: string, value: unknown): asserts value is Lameduck {
  const handle = value as Partial<Lameduck> | null
  if (
    typeof handle !== 'object' ||
    handle === null ||
    typeof handle.shutdown !== 'function' ||
    !(handle.signal instanceof AbortSignal)
  ) {
    throw new InvalidOptionError(name, 'a lameduck handle', value)
  }
}
