// RFC 9113 §6.8's graceful shutdown of an HTTP/2 connection, in two steps: a first GOAWAY naming
// the highest stream id (the "shutdown notice") tells the client to open no more streams, a PING
// finds when it has read that notice, and the final GOAWAY then names the last stream the server
// really processed, so no stream crosses it. Node does not expose nghttp2's notice, and any GOAWAY
// Node sends makes nghttp2 ignore every later stream, whatever the id it names. On a plaintext
// (h2c) session the notice's 17 bytes can be written to the socket's descriptor between two of
// nghttp2's frames, nghttp2 none the wiser. Measured: docs/long-lived.md and edges.md §1b.
import { channel } from 'node:diagnostics_channel'
import { writeSync } from 'node:fs'
import type { ServerHttp2Session } from 'node:http2'
import { CHANNELS } from './diagnostics.js'
import { sessionSocket } from './node-internals.js'

/** GOAWAY (type 7) on stream 0, last stream id 2^31-1, error code NO_ERROR. */
const NOTICE = Buffer.from([0, 0, 8, 7, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0])

/**
 * The bounded waits of the two steps, in ms, both within the drain's `timeout`: `boundary` for a
 * moment when the notice can be written whole between two frames (the client has acknowledged
 * the server's SETTINGS, nothing is queued in libuv, the kernel takes the bytes), `ack` for the
 * client to acknowledge the PING that follows it. Past `boundary` the session gets one GOAWAY,
 * past `ack` the final GOAWAY goes out unacknowledged.
 */
export const NOTICE_WAITS = Object.freeze({ boundary: 1_000, ack: 2_000 })

/** How often a session waiting for a frame boundary looks again, in ms. */
const RETRY_EVERY = 1

/** Why a session was closed with one GOAWAY instead of two. */
export type OneStepReason =
  /** An encrypted session: bytes of lameduck's own would corrupt the TLS stream. */
  | 'tls'
  /** This runtime lacks a Node field the notice reads (probed at attach). */
  | 'unsupported'
  /** The session runs over a JS stream, not a socket with a descriptor of its own. */
  | 'transport'
  /** No frame boundary came, or the kernel took no bytes, within `NOTICE_WAITS.boundary`. */
  | 'busy'

/** How each drained HTTP/2 session was closed. */
export interface GoawayCounts {
  /** The notice, then the final GOAWAY once the client acknowledged the PING that followed it. */
  goawayTwoStep: number
  /**
   * The notice, then the final GOAWAY without the PING's acknowledgement (`NOTICE_WAITS.ack`), or
   * the client ended the connection before acknowledging it.
   */
  goawayUnacknowledged: number
  goawayTls: number
  goawayUnsupported: number
  goawayTransport: number
  goawayBusy: number
}

export function noGoaways(): GoawayCounts {
  return {
    goawayTwoStep: 0,
    goawayUnacknowledged: 0,
    goawayTls: 0,
    goawayUnsupported: 0,
    goawayTransport: 0,
    goawayBusy: 0,
  }
}

/** What `lameduck:goaway` publishes for each session the drain closes. */
export type GoawayMessage =
  | { steps: 2; acknowledged: true; pingMs: number }
  | { steps: 2; acknowledged: false }
  | { steps: 1; reason: Exclude<OneStepReason, 'unsupported'> }
  /** `missing`: the fields this runtime lacks, as the support check names them. */
  | { steps: 1; reason: 'unsupported'; missing: readonly string[] }

const goawayChannel = channel(CHANNELS.goaway)

const ONE_STEP_KEY = {
  tls: 'goawayTls',
  unsupported: 'goawayUnsupported',
  transport: 'goawayTransport',
  busy: 'goawayBusy',
} as const satisfies Record<OneStepReason, keyof GoawayCounts>

function record(counts: GoawayCounts, message: GoawayMessage): void {
  if (message.steps === 1) counts[ONE_STEP_KEY[message.reason]]++
  else if (message.acknowledged) counts.goawayTwoStep++
  else counts.goawayUnacknowledged++
  if (goawayChannel.hasSubscribers) goawayChannel.publish(message)
}

type Attempt = 'written' | 'wait' | 'transport' | 'gone'

/**
 * Writes the notice if the socket is at a frame boundary now. A short write (the kernel's buffer
 * had room for part of it) is finished at once, bounded, since nghttp2's next frame must not
 * follow half a frame; should the kernel never take the rest, the session is destroyed.
 */
function tryNotice(session: ServerHttp2Session): Attempt {
  // The server's SETTINGS must be the first frame on the connection; acknowledged means sent.
  if (session.pendingSettingsAck) return 'wait'
  const socket = sessionSocket(session)
  if (socket === undefined) return 'transport'
  if (socket.queued > 0) return 'wait'
  let written: number
  try {
    written = writeSync(socket.fd, NOTICE)
  } catch (error) {
    // EAGAIN: the kernel's buffer is full. Anything else (the peer reset) ends the session soon.
    return (error as NodeJS.ErrnoException).code === 'EAGAIN' ? 'wait' : 'gone'
  }
  if (written < NOTICE.length && !finishWrite(socket.fd, NOTICE.subarray(written))) {
    session.destroy()
    return 'gone'
  }
  return 'written'
}

const SHORT_WRITE_TRIES = 50
const sleeper = new Int32Array(new SharedArrayBuffer(4))

/** Blocks up to ~50 ms: the kernel frees room as soon as the peer acknowledges data. */
function finishWrite(fd: number, rest: Buffer): boolean {
  for (let tries = 0; rest.length > 0; tries++) {
    if (tries === SHORT_WRITE_TRIES) return false
    try {
      rest = rest.subarray(writeSync(fd, rest))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return false
      Atomics.wait(sleeper, 0, 0, 1)
    }
  }
  return true
}

export interface NoticeOptions {
  /** The fields this runtime lacks for the notice (probed at attach), none when it has them all. */
  missing: readonly string[]
  counts: GoawayCounts
}

/**
 * Closes the session for the drain: in two steps where the notice can be written, else with one
 * GOAWAY (Node's `session.close()`, naming the last stream processed). Either way the session
 * then closes once its open streams finish. Returns what to call when the session has ended, or
 * the drain is over, to settle a session still waiting: one whose client ended it before
 * acknowledging the notice is counted unacknowledged (Node emits the session's 'close' only
 * after the server's). A session the client closed first got no GOAWAY of lameduck's and is not
 * counted.
 */
export function closeGracefully(session: ServerHttp2Session, options: NoticeOptions): () => void {
  const none = () => {}
  if (session.closed || session.destroyed) return none
  const { counts } = options
  const { missing } = options
  if (session.encrypted === false && missing.length === 0) return twoSteps(session, counts)
  record(
    counts,
    session.encrypted !== false
      ? { steps: 1, reason: 'tls' }
      : { steps: 1, reason: 'unsupported', missing },
  )
  session.close()
  return none
}

function twoSteps(session: ServerHttp2Session, counts: GoawayCounts): () => void {
  const unacknowledged: GoawayMessage = { steps: 2, acknowledged: false }
  let step: 'notice' | 'ack' | 'done' = 'notice'
  let timer: NodeJS.Timeout | undefined
  const giveUpAt = performance.now() + NOTICE_WAITS.boundary

  function settle(message: GoawayMessage): void {
    if (step === 'done') return
    step = 'done'
    clearTimeout(timer)
    record(counts, message)
    // Node closes the session itself when the client answers the notice with a GOAWAY of its
    // own (Node's client does): that GOAWAY too comes after every stream the client opened.
    if (!session.closed && !session.destroyed) session.close()
  }

  function attempt(): void {
    const outcome = session.closed || session.destroyed ? 'gone' : tryNotice(session)
    if (outcome === 'written') awaitAck()
    else if (outcome === 'transport') settle({ steps: 1, reason: 'transport' })
    else if (outcome === 'gone') stop()
    else if (performance.now() >= giveUpAt) settle({ steps: 1, reason: 'busy' })
    else timer = setTimeout(attempt, RETRY_EVERY).unref()
  }

  function awaitAck(): void {
    step = 'ack'
    const sent = session.ping((error, duration) => {
      const pingMs = Math.round(duration)
      settle(error === null ? { steps: 2, acknowledged: true, pingMs } : unacknowledged)
    })
    if (sent) timer = setTimeout(settle, NOTICE_WAITS.ack, unacknowledged).unref()
    else settle(unacknowledged)
  }

  function stop(): void {
    if (step === 'ack') settle(unacknowledged)
    else {
      step = 'done'
      clearTimeout(timer)
    }
  }

  session.once('close', stop)
  attempt()
  return stop
}
