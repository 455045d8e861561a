type LogFn = (obj: Record<string, unknown>, msg?: string) => void

/** The subset of pino's API lameduck calls: object first, message last, errors under `err`. */
export interface Logger {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
}

const noop: LogFn = () => {}

export const silentLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
})
