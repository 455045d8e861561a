const kLameduckError = Symbol.for('lameduck.error')

/** Every error lameduck throws; `code` is stable across releases. */
export class LameduckError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LameduckError'
    this.code = code
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

/** An option failed validation; thrown by `lameduck()` and every method taking options. */
export class InvalidOptionError extends LameduckError {
  override readonly code = 'LAMEDUCK_ERR_INVALID_OPTION'
  readonly option: string

  constructor(option: string, expected: string, received: unknown) {
    super(
      'LAMEDUCK_ERR_INVALID_OPTION',
      `Invalid option "${option}": expected ${expected}, received ${describe(received)}`,
    )
    this.name = 'InvalidOptionError'
    this.option = option
  }
}

/** A method was called in a state where it cannot do what it promises. */
export class InvalidStateError extends LameduckError {
  override readonly code = 'LAMEDUCK_ERR_INVALID_STATE'

  constructor(message: string) {
    super('LAMEDUCK_ERR_INVALID_STATE', message)
    this.name = 'InvalidStateError'
  }
}

/**
 * The running runtime lacks something lameduck relies on (one of Node's private fields, moved or
 * renamed), so it refuses to attach rather than drain badly. Names the runtime, its version and
 * what is missing.
 */
export class UnsupportedError extends LameduckError {
  override readonly code = 'LAMEDUCK_ERR_UNSUPPORTED'
  readonly runtime: string
  readonly version: string
  readonly missing: readonly string[]

  constructor(
    runtime: string,
    version: string,
    missing: readonly string[],
    what = 'drain a server',
  ) {
    super(
      'LAMEDUCK_ERR_UNSUPPORTED',
      `lameduck cannot ${what} on ${runtime} ${version}: missing or changed: ${missing.join(', ')}`,
    )
    this.name = 'UnsupportedError'
    this.runtime = runtime
    this.version = version
    this.missing = missing
  }
}

/** Every error code lameduck uses; docs/errors.md lists the same set. */
export const ERROR_CODES = Object.freeze([
  'LAMEDUCK_ERR_INVALID_OPTION',
  'LAMEDUCK_ERR_INVALID_STATE',
  'LAMEDUCK_ERR_LISTEN',
  'LAMEDUCK_ERR_UNSUPPORTED',
] as const)

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
