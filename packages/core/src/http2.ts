import type {
  Http2SecureServer,
  Http2Server,
  ServerHttp2Session,
  ServerHttp2Stream,
} from 'node:http2'
import { Server as NetServer } from 'node:net'
import type { DrainCounts } from './connections.js'

export type Http2AnyServer = Http2Server | Http2SecureServer

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

/** Tracks an HTTP/2 server's sessions and open streams, and closes the sessions gracefully. */
export function trackSessions(server: Http2AnyServer, counts: DrainCounts): SessionTracker {
  const sessions = new Set<ServerHttp2Session>()
  let draining = false
  let openStreams = 0

  function onSessionClose(this: ServerHttp2Session): void {
    sessions.delete(this)
  }

  function onSession(session: ServerHttp2Session): void {
    sessions.add(session)
    session.on('close', onSessionClose)
    if (draining) goAway(session)
  }

  function onStreamClose(): void {
    openStreams--
    if (draining) counts.requests++
  }

  function onStream(stream: ServerHttp2Stream): void {
    openStreams++
    stream.on('close', onStreamClose)
  }

  server.on('session', onSession)
  server.on('stream', onStream)

  return {
    drain() {
      draining = true
      for (const session of sessions) goAway(session)
    },
    destroyAll() {
      counts.forcedRequests += openStreams
      for (const session of sessions) {
        counts.forced++
        session.destroy()
      }
    },
    release() {
      server.off('session', onSession)
      server.off('stream', onStream)
    },
  }
}

/**
 * GOAWAY with the last stream processed, then the session closes once its open streams finish.
 * RFC 9113 §6.8 prefers two GOAWAYs, the first naming stream 2^31-1 so that streams crossing it
 * are still served, but Node exposes no way to send that first one: `session.goaway()` goes
 * through nghttp2's `submit_goaway`, after which nghttp2 ignores every new stream whatever the id
 * named, and writing the frame to the socket behind the session breaks Node's write accounting
 * (a native assertion). A stream that crosses the single GOAWAY carries an id above the one it
 * names, which tells the client the server never processed it and it is safe to retry.
 */
function goAway(session: ServerHttp2Session): void {
  if (!session.closed && !session.destroyed) session.close()
}
