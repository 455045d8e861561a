// Long-lived work the drain should end rather than wait out: "when the listener closes, say
// goodbye to this", once, at its moment of the `closeSpread` window (close-spread.ts), unless
// cancelled first.
import { type Goodbyes, goodbyesOf } from './close-spread.js'
import { InvalidOptionError } from './errors.js'
import { assertHandle, validateCallOptions } from './options.js'
import type { EndableResponse, Lameduck } from './types.js'

/**
 * The `retry:` of an event stream's last event, in ms: a random one from 1 s to 5 s, around what
 * browsers wait by default (3 to 5 s), so EventSource clients come back spread out even when the
 * streams end together.
 */
export const SSE_RETRY = Object.freeze({ min: 1_000, max: 5_000 })

/** `ld.endOnDrain()`: ends `res` with `finish` at its goodbye, unless it closes first. */
export function endOnDrain<R extends EndableResponse>(
  goodbyes: Goodbyes,
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
  let closed = false
  const cancel = () => {
    closed = true
    stopWaiting()
    res.off('close', cancel)
  }
  res.once('close', cancel)
  const stopWaiting = goodbyes.schedule(() => {
    res.off('close', cancel)
    if (closed) return false
    suggestRetry(res)
    finish(res)
    return true
  })
  return cancel
}

interface WritableResponse {
  getHeader(name: string): unknown
  write(chunk: string): unknown
  writableEnded: boolean
  req: { headers: Record<string, string | string[] | undefined> } | undefined
}

/**
 * On an event stream, a `retry:` field of its own, so it applies whatever `finish` sends. An
 * event stream: its client accepts `text/event-stream` (EventSource always says so), or its
 * `content-type` set with `setHeader` is that (`writeHead`'s own headers cannot be read back).
 */
function suggestRetry(res: EndableResponse): void {
  const stream = res as Partial<WritableResponse>
  if (typeof stream.write !== 'function' || stream.writableEnded !== false) return
  const accept = stream.req?.headers?.accept
  const type = typeof stream.getHeader === 'function' ? stream.getHeader('content-type') : undefined
  if (!isEventStream(accept) && !isEventStream(type)) return
  const ms = Math.round(SSE_RETRY.min + Math.random() * (SSE_RETRY.max - SSE_RETRY.min))
  stream.write(`retry: ${ms}\n\n`)
}

function isEventStream(value: unknown): boolean {
  return typeof value === 'string' && value.toLowerCase().includes('text/event-stream')
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
 * When the listener closes, sends each client of `wss` a close frame (1001 Going Away by default),
 * at its own moment of the `closeSpread` window. The drain then waits for each closing handshake
 * to end the connection, and destroys the ones still open at the deadline. Returns a function
 * that cancels it.
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
  const goodbyes = goodbyesOf(ld)
  const goodbye = (client: { close(code?: number, reason?: string): void }) => () => {
    client.close(code as number, reason)
    return true
  }
  if (goodbyes === undefined) {
    // A handle of another copy of this package: when its drain starts, all at once.
    const closeAll = () => {
      for (const client of wss.clients) goodbye(client)()
    }
    if (ld.signal.aborted) closeAll()
    else ld.signal.addEventListener('abort', closeAll, { once: true })
    return () => ld.signal.removeEventListener('abort', closeAll)
  }
  const cancels: (() => void)[] = []
  cancels.push(
    goodbyes.onOpen(() => {
      for (const client of wss.clients) cancels.push(goodbyes.schedule(goodbye(client)))
    }),
  )
  return () => {
    for (const cancel of cancels) cancel()
  }
}
