// Long-lived work the drain should end rather than wait out: "when the handle's `signal` aborts
// (the drain starts), finish this", once, unless cancelled first.
import { InvalidOptionError } from './errors.js'
import { assertHandle, validateCallOptions } from './options.js'
import type { EndableResponse, Lameduck } from './types.js'

/** Runs `finish` once when `signal` aborts, at once if it has; the returned function cancels it. */
function whenAborted(signal: AbortSignal, finish: () => void): () => void {
  if (signal.aborted) {
    finish()
    return () => {}
  }
  signal.addEventListener('abort', finish, { once: true })
  return () => signal.removeEventListener('abort', finish)
}

/** `ld.endOnDrain()`: ends `res` with `finish` when `signal` aborts, unless it closes first. */
export function endOnDrain<R extends EndableResponse>(
  signal: AbortSignal,
  res: R,
  finish: (res: R) => void = (response) => response.end(),
): () => void {
  const response = res as Partial<EndableResponse> | null
  if (
    typeof response !== 'object' ||
    response === null ||
    typeof response.end !== 'function' ||
    typeof response.once !== 'function' ||
    typeof response.off !== 'function'
  ) {
    throw new InvalidOptionError('endOnDrain(res)', 'a response (end, once and off)', res)
  }
  if (typeof finish !== 'function') {
    throw new InvalidOptionError('endOnDrain(finish)', 'a function', finish)
  }
  const cancel = () => {
    stopWaiting()
    res.off('close', cancel)
  }
  const stopWaiting = whenAborted(signal, () => {
    res.off('close', cancel)
    finish(res)
  })
  if (!signal.aborted) res.once('close', cancel)
  return cancel
}

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
  options?: CloseWebSocketsOptions,
): () => void {
  assertHandle('closeWebSocketsOnDrain(ld)', ld)
  if (typeof wss !== 'object' || wss === null || !(Symbol.iterator in Object(wss.clients))) {
    throw new InvalidOptionError('closeWebSocketsOnDrain(wss)', 'a WebSocketServer', wss)
  }
  const { code = 1001, reason = 'server shutting down' } = validateCallOptions(
    'closeWebSocketsOnDrain',
    options,
    ['code', 'reason'],
  )
  if (!Number.isInteger(code) || (code as number) < 1000 || (code as number) > 4999) {
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
  return whenAborted(ld.signal, () => {
    for (const client of wss.clients) client.close(code as number, reason)
  })
}
