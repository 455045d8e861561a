const kLameduckError = Symbol.for('lameduck.error')

/** Every error code lameduck uses, one class per code; docs/errors.md lists the same set. */
export const ERROR_CODES = Object.freeze([
  'LAMEDUCK_ERR_INVALID_OPTION',
  'LAMEDUCK_ERR_INVALID_STATE',
  'LAMEDUCK_ERR_LISTEN',
  'LAMEDUCK_ERR_UNSUPPORTED',
  'LAMEDUCK_ERR_WORKER_FAILED',
  'LAMEDUCK_ERR_CONTROL',
] as const)

export type ErrorCode = (typeof ERROR_CODES)[number]

/**
 * The base of every error lameduck throws; `code` is stable across releases. Not thrown itself:
 * each code has its own subclass.
 */
export abstract class LameduckError extends Error {
  abstract readonly code: ErrorCode

  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LameduckError'
    Object.defineProperty(this, kLameduckError, { value: true })
  }

  // Two installed copies of lameduck (a hoisting accident) must still recognise each other's
  // errors, so `instanceof` checks a brand and the class name rather than the prototype chain.
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null || !(kLameduckError in value)) return false
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass `instanceof` was asked about.
    return this === LameduckError || (value as { name?: unknown }).name === this.name
  }
}

/** An option or argument failed validation; thrown by `lameduck()` and every method taking options. */
export class InvalidOptionError extends LameduckError {
  static readonly code = 'LAMEDUCK_ERR_INVALID_OPTION' as const
  readonly code = InvalidOptionError.code
  /** The option or argument, e.g. `timeout` or `listen(options.port)`. */
  readonly option: string
  /** What was expected, in words, e.g. `an integer number of ms from 1 to 2147483647`. */
  readonly expected: string
  /** The value received (for an unknown key, the value given under it). */
  readonly received: unknown

  /** `unknownKey`: a key of `option` that is not one it takes, whatever its value. */
  constructor(option: string, expected: string, received: unknown, unknownKey?: string) {
    super(
      unknownKey !== undefined
        ? `Invalid option "${option}": unknown key ${JSON.stringify(unknownKey)}, expected ${expected}`
        : `Invalid option "${option}": expected ${expected}, received ${describe(received)}`,
    )
    this.name = 'InvalidOptionError'
    this.option = option
    this.expected = expected
    this.received = received
  }
}

/** A method was called in a state where it cannot do what it promises. */
export class InvalidStateError extends LameduckError {
  static readonly code = 'LAMEDUCK_ERR_INVALID_STATE' as const
  readonly code = InvalidStateError.code

  constructor(message: string) {
    super(message)
    this.name = 'InvalidStateError'
  }
}

/** An address could not be bound or an inherited socket could not be used. */
export class ListenError extends LameduckError {
  static readonly code = 'LAMEDUCK_ERR_LISTEN' as const
  readonly code = ListenError.code
  /** `host:port`, or the inherited file descriptor, that failed. */
  readonly address: string

  constructor(address: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ListenError'
    this.address = address
  }
}

/** The running JavaScript runtime lacks something lameduck needs. */
export class UnsupportedError extends LameduckError {
  static readonly code = 'LAMEDUCK_ERR_UNSUPPORTED' as const
  readonly code = UnsupportedError.code
  /** What is missing, e.g. `net._createServerHandle`. */
  readonly missing: string
  /** The runtime that lacks it, e.g. `Node.js 20.19.0`. */
  readonly runtime: string

  constructor(
    missing: string,
    runtime: { name: string; version: string } = {
      name: 'Node.js',
      version: process.versions.node,
    },
  ) {
    const named = `${runtime.name} ${runtime.version}`
    super(`lameduck needs ${missing}, which ${named} does not provide`)
    this.name = 'UnsupportedError'
    this.missing = missing
    this.runtime = named
  }
}

/** A worker of `lameduck run` did not become ready: it exited, timed out or failed its checks. */
export class WorkerFailedError extends LameduckError {
  static readonly code = 'LAMEDUCK_ERR_WORKER_FAILED' as const
  readonly code = WorkerFailedError.code
  /** The worker's process id, when it had one. */
  readonly pid: number | undefined

  constructor(pid: number | undefined, message: string) {
    super(`worker ${pid ?? '(not started)'} ${message}`)
    this.name = 'WorkerFailedError'
    this.pid = pid
  }
}

/** The control socket of `lameduck run` is unsafe to use, or answered something unreadable. */
export class ControlError extends LameduckError {
  static readonly code = 'LAMEDUCK_ERR_CONTROL' as const
  readonly code = ControlError.code
  /** The control socket's path. */
  readonly path: string

  constructor(path: string, message: string, options?: ErrorOptions) {
    super(`${path}: ${message}`, options)
    this.name = 'ControlError'
    this.path = path
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return `array (${JSON.stringify(value)})`
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value)}`
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`
    case 'function':
      return 'function'
    case 'undefined':
      return 'undefined'
    default:
      return typeof value === 'object' ? `object ${safeJson(value)}` : typeof value
  }
}

function safeJson(value: object): string {
  try {
    return JSON.stringify(value).slice(0, 80)
  } catch {
    return '[unserialisable]'
  }
}
