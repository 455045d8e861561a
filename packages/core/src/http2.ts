import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2'
import type { Goodbyes } from './close-spread.js'
import { openStreams } from './node-internals.js'
import type { Http2AnyServer } from './server-kind.js'
import { closeGracefully, type GoawayCounts } from './shutdown-notice.js'
import { missingFor } from './support.js'

/** The figures of the shutdown report the session tracker adds to. */
export interface SessionCounts extends GoawayCounts {
  /** Responses completed after the drain began. */
  requests: number
  /** Sockets (HTTP/2 sessions included) destroyed at the deadline. */
  forced: number
  /** Requests whose response had not completed when their socket or session was destroyed. */
  forcedRequests: number
}

export interface SessionTracker {
  /** Each session open now or later gets its GOAWAY at its goodbye. */
  drain(goodbyes: Goodbyes): void
  destroyAll(): void
  release(): void
}

/**
 * Tracks an HTTP/2 server's sessions and closes them gracefully. While serving, nothing is done
 * per stream; once the drain starts, each open stream is counted when its response finishes, and
 * those still unfinished at the deadline are counted as forced. Neither depends on the order of
 * the session's and its streams' 'close' events, which Node 26.3 changed (nodejs/node#63414),
 * and a stream whose client went away is counted as neither. Each session is closed in RFC 9113's
 * two steps where it can be (shutdown-notice.ts), so a stream opened while draining is served.
 */
export function trackSessions(server: Http2AnyServer, counts: SessionCounts): SessionTracker {
  // Probed once per process, here at attach().
  const notice = { missing: missingFor('shutdownNotice'), counts }
  const sessions = new Set<ServerHttp2Session>()
  const settles: (() => void)[] = []
  let goodbyes: Goodbyes | undefined

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

  function drainSession(session: ServerHttp2Session, drain: Goodbyes): void {
    for (const stream of openStreams(session)) watch(stream)
    session.on('stream', watch)
    drain.schedule(() => {
      if (session.closed || session.destroyed) return false
      settles.push(closeGracefully(session, notice))
      return true
    })
  }

  function onSession(session: ServerHttp2Session): void {
    sessions.add(session)
    session.on('close', onSessionClose)
    if (goodbyes !== undefined) drainSession(session, goodbyes)
  }

  server.on('session', onSession)

  return {
    drain(drainGoodbyes) {
      goodbyes = drainGoodbyes
      for (const session of sessions) drainSession(session, drainGoodbyes)
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
      for (const settle of settles) settle()
      server.off('session', onSession)
      for (const session of sessions) session.off('stream', watch)
    },
  }
}
