import { InvalidOptionError } from './errors.js'
import type { Lameduck } from './lameduck.js'

/** The part of a `ws` WebSocketServer (or a compatible one) that is needed here. */
export interface WebSocketServerLike {
  clients: Iterable<{ close(code?: number, reason?: string): void }>
}

export interface CloseWebSocketsOptions {
  /**
   * Close code sent to every client.
   * @default 1001 (Going Away)
   */
  code?: number | undefined
  /**
   * Close reason, at most 123 bytes.
   * @default 'server shutting down'
   */
  reason?: string | undefined
}

/**
 * When the drain starts, sends every client of `wss` a close frame (1001 Going Away by default).
 * The drain then waits for each closing handshake to end the connection, and destroys the ones
 * still open at the deadline. Returns a function that cancels it.
 */
export function closeWebSocketsOnDrain(
  ld: Lameduck,
  wss: WebSocketServerLike,
  options: CloseWebSocketsOptions = {},
): () => void {
  if (typeof wss !== 'object' || wss === null || !(Symbol.iterator in Object(wss.clients))) {
    throw new InvalidOptionError('closeWebSocketsOnDrain(wss)', 'a WebSocketServer', wss)
  }
  const { code = 1001, reason = 'server shutting down' } = options
  if (!Number.isInteger(code) || code < 1000 || code > 4999) {
    throw new InvalidOptionError(
      'closeWebSocketsOnDrain(options.code)',
      'a close code from 1000 to 4999',
      code,
    )
  }
  if (typeof reason !== 'string' || Buffer.byteLength(reason) > 123) {
    throw new InvalidOptionError(
      'closeWebSocketsOnDrain(options.reason)',
      'a string of at most 123 bytes',
      reason,
    )
  }
  const closeAll = () => {
    for (const client of wss.clients) client.close(code, reason)
  }
  if (ld.signal.aborted) {
    closeAll()
    return () => {}
  }
  ld.signal.addEventListener('abort', closeAll, { once: true })
  return () => ld.signal.removeEventListener('abort', closeAll)
}
