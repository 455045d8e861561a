import type { Http2SecureServer, Http2Server, ServerHttp2Session } from 'node:http2'
import { Server as NetServer } from 'node:net'
import type { DrainCounts } from './connections.js'
import { openStreams } from './node-internals.js'

export type Http2AnyServer = Http2Server | Http2SecureServer

/**
 * How long a peer has to acknowledge "open no more streams" before it gets the final GOAWAY
 * anyway: long enough for a round trip over a slow link, short enough that a peer that never
 * acknowledges does not hold the drain.
 */
export const SETTINGS_ACK_WAIT = 1_000

export function isHttp2Server(server: unknown): server is Http2AnyServer {
  return (
    server instanceof NetServer &&
    typeof (server as Partial<Http2Server>).updateSettings === 'function'
  )
}

export interface SessionTracker {
  drain(): void
  destroyAll(): void
  release(): void
}

/**
 * Tracks an HTTP/2 server's sessions and closes them gracefully. Nothing is done per stream: the
 * streams a session has open are read from Node when the drain starts and at the deadline.
 */
export function trackSessions(server: Http2AnyServer, counts: DrainCounts): SessionTracker {
  const sessions = new Set<ServerHttp2Session>()
  const ackTimers = new Set<NodeJS.Timeout>()
  let draining = false
  let openAtDrain = 0
  let forced = 0

  function onSessionClose(this: ServerHttp2Session): void {
    sessions.delete(this)
  }

  function onSession(session: ServerHttp2Session): void {
    sessions.add(session)
    session.on('close', onSessionClose)
    if (draining) goAway(session)
  }

  /**
   * RFC 9113 §6.8's graceful shutdown in two steps. First the peer is told to open no more
   * streams (SETTINGS_MAX_CONCURRENT_STREAMS = 0); its acknowledgement means every stream it
   * opened before it read that has arrived, and it opens no more. Only then the GOAWAY names the
   * last stream received, and the session closes once its open streams finish. Node exposes no
   * way to send the first GOAWAY the RFC describes (last stream 2^31-1): `session.goaway()`
   * makes nghttp2 drop every stream that arrives after it, whatever the id named.
   *
   * nghttp2 refuses (REFUSED_STREAM: not processed, safe to retry) a stream that arrives after
   * the SETTINGS left and before the peer read it. The limit stays 0 to the end: put back, it
   * would let the peer send the requests it queued meanwhile, only to have them refused.
   */
  function goAway(session: ServerHttp2Session): void {
    if (session.closed || session.destroyed) return
    let timer: NodeJS.Timeout | undefined
    const close = () => {
      if (timer !== undefined) ackTimers.delete(timer)
      clearTimeout(timer)
      if (session.closed || session.destroyed) return
      session.close()
    }
    try {
      session.settings({ maxConcurrentStreams: 0 }, close)
    } catch {
      // Ten SETTINGS already await acknowledgement: this peer is not answering them.
      counts.sessionsWithoutAck++
      close()
      return
    }
    timer = setTimeout(() => {
      counts.sessionsWithoutAck++
      close()
    }, SETTINGS_ACK_WAIT)
    timer.unref()
    ackTimers.add(timer)
  }

  const streamsOpen = () => [...sessions].reduce((total, s) => total + openStreams(s), 0)

  server.on('session', onSession)

  return {
    drain() {
      draining = true
      openAtDrain = streamsOpen()
      for (const session of sessions) goAway(session)
    },
    destroyAll() {
      forced = streamsOpen()
      counts.forcedRequests += forced
      for (const session of sessions) {
        counts.forced++
        session.destroy()
      }
    },
    release() {
      // No new stream is accepted once the drain began, so the rest of those open finished.
      if (draining) counts.requests += Math.max(0, openAtDrain - forced)
      for (const timer of ackTimers) clearTimeout(timer)
      ackTimers.clear()
      server.off('session', onSession)
    },
  }
}
