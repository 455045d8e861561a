import type { Logger as LameduckLogger } from '@lameduck/core'
import { errorReplacer } from '@lameduck/core/adapter'
import { Logger, type LoggerService } from '@nestjs/common'

type Fields = Record<string, unknown>

// Nest's loggers take a message and print their context beside it: lameduck's prefix would
// repeat the context, and its fields go after the message as JSON, errors with their message.
function text(fields: Fields, message = ''): string {
  const { err, ...rest } = fields
  const base = message.replace(/^lameduck: /, '')
  const reason = err instanceof Error ? `: ${err.message}` : ''
  const json = Object.keys(rest).length === 0 ? '' : ` ${JSON.stringify(rest, errorReplacer)}`
  return `${base}${reason}${json}`
}

/**
 * lameduck's lines through a Nest logger, `new Logger('Lameduck')` by default, so they follow the
 * app's logger settings (`NestFactory.create(…, { logger })`, `app.useLogger()`) like Nest's own.
 */
export function nestLogger(logger: LoggerService = new Logger('Lameduck')): LameduckLogger {
  return {
    debug: (fields, message) => logger.debug?.(text(fields, message)),
    info: (fields, message) => logger.log(text(fields, message)),
    warn: (fields, message) => logger.warn(text(fields, message)),
    error: (fields, message) => {
      const { err } = fields
      if (err instanceof Error && err.stack !== undefined) {
        logger.error(text(fields, message), err.stack)
      } else {
        logger.error(text(fields, message))
      }
    },
  }
}
