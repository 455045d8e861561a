import type { Logger } from '@lameduck/core'
import { errorReplacer } from '@lameduck/core/adapter'

const noop = () => {}

/** One line per event on stderr: `lameduck: message {"key":"value"}`, errors with their message. */
export const stderrLogger: Logger = {
  debug: noop,
  info: (obj, msg) => write(msg, obj),
  warn: (obj, msg) => write(msg, obj),
  error: (obj, msg) => write(msg, obj),
}

function write(msg: string | undefined, obj: Record<string, unknown>): void {
  process.stderr.write(`${msg ?? ''} ${JSON.stringify(obj, errorReplacer)}\n`)
}
