import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2'
import { openStreams } from './node-internals.js'
import type { Http2AnyServer } from './server-kind.js'

/** The figures of the shutdown report the session tracker adds to. */
export interface SessionCounts {
  /** Responses completed after the drain began. */
  requests: number
  /** Sockets (HTTP/2 sessions included) destroyed at the deadline. */
  forced: number
  /** Requests whose response had not completed when their socket or session was destroyed. */
  forcedRequests: number
}

export interface SessionTracker {
  drain(): void
  destroyAll(): void
  release(): void
}

/**
 * Tracks an HTTP/2 server's sessions and closes them gracefully. While serving, nothing is done
 * per stream; once the drain starts, each open stream is counted when its response finishes, and
 * those still unfinished at the deadline are counted as forced. Neither depends on the order of
 * the session's and its streams' 'close' events, which Node 26.3 changed (nodejs/node#63414),
 * and a stream whose client went away is counted as neither.
 */
export function trackSessions(server: Http2AnyServer, counts: SessionCounts): SessionTracker {
  const sessions = new Set<ServerHttp2Session>()
  let draining = false

  function onStreamFinish(this: ServerHttp2Stream): void {
    // Node also ends the writable side of a stream its client reset: that one was not answered.
    if (this.headersSent && !this.destroyed) counts.requests++
  }

  function watch(stream: ServerHttp2Stream): void {
    stream.once('finish', onStreamFinish)
  }

  function onSessionClose(this: ServerHttp2Session): void {
    sessions.delete(this)
  }

  function drainSession(session: ServerHttp2Session): void {
    for (const stream of openStreams(session)) watch(stream)
    session.on('stream', watch)
    goAway(session)
  }

  function onSession(session: ServerHttp2Session): void {
    sessions.add(session)
    session.on('close', onSessionClose)
    if (draining) drainSession(session)
  }

  /**
   * One GOAWAY naming the last stream processed; the session closes once its open streams
   * finish. A stream that crosses it is never processed, and its id above the one named tells
   * the client it may retry it. RFC 9113 §6.8's two steps cannot be had from Node: the first
   * GOAWAY (last stream 2^31-1) makes nghttp2 drop every later stream whatever the id named, and
   * telling the client first with SETTINGS_MAX_CONCURRENT_STREAMS = 0 makes nghttp2 refuse every
   * stream it processes from that call on, before the frame has even left: measured with h2load,
   * that lost about three times as many streams as this single GOAWAY, whose effect starts only
   * once it is written (docs/long-lived.md).
   */
  function goAway(session: ServerHttp2Session): void {
    if (!session.closed && !session.destroyed) session.close()
  }

  server.on('session', onSession)

  return {
    drain() {
      draining = true
      for (const session of sessions) drainSession(session)
    },
    destroyAll() {
      for (const session of sessions) {
        for (const stream of openStreams(session)) {
          if (!stream.writableFinished) counts.forcedRequests++
        }
        counts.forced++
        session.destroy()
      }
    },
    release() {
      server.off('session', onSession)
      for (const session of sessions) session.off('stream', watch)
    },
  }
}
