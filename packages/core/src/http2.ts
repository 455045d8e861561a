import type { Http2SecureServer, Http2Server, ServerHttp2Session } from 'node:http2'
import { Server as NetServer } from 'node:net'
import type { DrainCounts } from './connections.js'
import { openStreams } from './node-internals.js'

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

/**
 * Tracks an HTTP/2 server's sessions and closes them gracefully. Nothing is done per stream: the
 * streams a session has open are read from Node when the drain starts and at the deadline.
 */
export function trackSessions(server: Http2AnyServer, counts: DrainCounts): SessionTracker {
  const sessions = new Set<ServerHttp2Session>()
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
      // No new stream is accepted once the GOAWAY is out, so the rest of those open finished.
      if (draining) counts.requests += Math.max(0, openAtDrain - forced)
      server.off('session', onSession)
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
