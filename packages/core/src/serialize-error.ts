/** What an error keeps when written as JSON: `JSON.stringify(new Error('x'))` alone gives `{}`. */
export interface SerializedError {
  name: string
  message: string
  code?: unknown
  stack?: string
  cause?: unknown
}

/**
 * An `Error` as a plain object with its name, message, code and stack (and its cause, the same
 * way); anything else is returned as it is.
 */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error
  const out: SerializedError = { name: error.name, message: error.message }
  const { code, cause } = error as Error & { code?: unknown }
  if (code !== undefined) out.code = code
  if (error.stack !== undefined) out.stack = error.stack
  // Bounded: a cause chain can loop.
  if (cause !== undefined && depth < 5) out.cause = serializeError(cause, depth + 1)
  return out
}

/** A `JSON.stringify` replacer that writes errors with `serializeError`. */
export function errorReplacer(_key: string, value: unknown): unknown {
  return serializeError(value)
}

/**
 * Gives a result holding an `error` (a hook's, a singleton's) a `toJSON` that writes the error
 * with `serializeError`: the thrown value itself for the app, its name, message, code and stack
 * in JSON (a logger, an IPC message).
 */
export function keepErrorInJson<T extends { error?: unknown }>(result: T): T {
  return Object.defineProperty(result, 'toJSON', {
    value: () => ({ ...result, error: serializeError(result.error) }),
  })
}
