type LogFn = (obj: Record<string, unknown>, msg?: string) => void

/** The subset of pino's API lameduck calls: object first, message last, errors under `err`. */
export interface Logger {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
  /**
   * Called, when present (pino has it), before lameduck exits the process; lameduck waits for the
   * callback up to `SHUTDOWN_WAITS.flush` ms, so a transport or an async destination gets the last lines out.
   */
  flush?(callback: (error?: Error) => void): void
}

const noop: LogFn = () => {}

export const silentLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
})

/**
 * The default when no logger is given: silent, but for the error-level lines, which lameduck writes
 * only when a shutdown was not clean (a hook failed or timed out, sockets were destroyed at the
 * deadline, a second signal cut the drain short): one line each on stderr, so no failure is silent.
 */
const line: LogFn = (_obj, msg) => {
  process.stderr.write(`${msg}\n`)
}
export const failureLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: line,
})

const LEVELS = ['debug', 'info', 'warn', 'error'] as const

/**
 * The logger with every call made safe: a logger that throws (a misconfigured transport) must not
 * break a shutdown. The first failure becomes a process warning, since the logger cannot log it.
 */
export function guardLogger(logger: Logger): Logger {
  if (logger === silentLogger) return logger
  let warned = false
  const failed = (error: unknown) => {
    if (warned) return
    warned = true
    process.emitWarning(`the logger threw, lameduck carried on without it: ${String(error)}`, {
      code: 'LAMEDUCK_LOGGER_THREW',
    })
  }
  const guarded = {} as Logger
  for (const level of LEVELS) {
    guarded[level] = (obj, msg) => {
      try {
        logger[level](obj, msg)
      } catch (error) {
        failed(error)
      }
    }
  }
  if (typeof logger.flush === 'function') {
    guarded.flush = (callback) => {
      try {
        logger.flush!(callback)
      } catch (error) {
        failed(error)
        callback()
      }
    }
  }
  return Object.freeze(guarded)
}
