import type { Socket } from 'node:net'
import type { Goodbyes } from './close-spread.js'
import { followServerEvents } from './follow-listeners.js'
import { type SessionCounts, trackSessions } from './http2.js'
import { createIdleCloser, type IdleCloser } from './idle-sockets.js'
import { closeListener, type ListenerGuard } from './listener.js'
import { connectionCount, httpConnections, stopConnectionsChecker } from './node-internals.js'
import { createResponseMarker } from './response-marking.js'
import { type AttachableServer, isHttp2Server } from './server-kind.js'
import { noGoaways } from './shutdown-notice.js'
import { trackSideSockets } from './side-sockets.js'

export interface DrainCounts extends SessionCounts {
  /** Keep-alive sockets closed after `idleGrace` without a request. */
  idleClosed: number
  /** Upgraded sockets (WebSocket, CONNECT tunnels) destroyed at the deadline. */
  forcedUpgraded: number
}

export interface ConnectionTracker {
  /**
   * Closes the listener (through `guard` when given) and starts draining every connection;
   * resolves once the listener has closed and every connection has ended. Idle sockets and
   * HTTP/2 sessions are told to go at their goodbyes.
   */
  drain(idleGrace: number, goodbyes: Goodbyes, guard?: ListenerGuard): Promise<void>
  /** Destroys every connection still open. */
  destroyAll(): void
  /** Removes lameduck's listeners from the server. */
  release(): void
  readonly counts: Readonly<DrainCounts>
}

/**
 * Drains one server: marks responses `Connection: close`, and closes each socket as soon as no
 * request can be lost by doing so. While serving it costs nothing per request and nothing per
 * plain HTTP connection: Node's own connection list, each socket's active response and last
 * request are read when the drain starts, and the 'request' listener is added only then. What Node's list does not hold is kept here (side-sockets.ts): each upgraded or
 * CONNECT socket until it closes, and on a TLS server each socket until its handshake completes,
 * with a Set entry and a 'close' listener.
 */
export function trackConnections(server: AttachableServer): ConnectionTracker {
  const counts: DrainCounts = {
    requests: 0,
    idleClosed: 0,
    forced: 0,
    forcedRequests: 0,
    forcedUpgraded: 0,
    ...noGoaways(),
  }
  let idle: IdleCloser | undefined
  let closeListenerNow: (() => void) | undefined
  const marker = createResponseMarker(counts)
  const side = trackSideSockets(server, (socket) => {
    // A handshake that began before the listener closed can complete during the drain; an
    // HTTP/2 one becomes a session, which the session tracker drains.
    if (socket.alpnProtocol !== 'h2') idle?.add(socket)
  })
  const sessions = isHttp2Server(server) ? trackSessions(server, counts) : undefined
  const unfollow = followServerEvents(server, {
    upgrade: side.onDetached,
    connect: side.onDetached,
  })
  let unfollowRequests: (() => void) | undefined

  /** The HTTP/1 connections in Node's list that are not the app's since an upgrade. */
  function connections(): Socket[] {
    return httpConnections(server).filter((socket) => !side.isDetached(socket))
  }

  return {
    counts,
    drain(grace, goodbyes, guard) {
      idle = createIdleCloser(grace, counts, goodbyes)
      // Stop accepting, and resolve once the last connection has ended. A connection the guard
      // lets in meanwhile is drained from its first request on (it is sent at once).
      const closed = new Promise<void>((resolve) => {
        const onClosed = () => resolve()
        if (server.listening) closeListenerNow = closeListener(server, guard, onClosed)
        else if (connectionCount(server) === 0) onClosed()
        else server.once('close', onClosed)
      })
      sessions?.drain(goodbyes)
      // Requests that arrive from now on; those already read are found on their sockets.
      unfollowRequests = followServerEvents(server, { request: marker.onRequest })
      marker.drain(idle, connections())
      return closed
    },
    destroyAll() {
      closeListenerNow?.()
      sessions?.destroyAll()
      for (const socket of connections()) {
        if (marker.busy(socket)) counts.forcedRequests++
        counts.forced++
        socket.destroy()
      }
      side.destroyAll(counts)
    },
    release() {
      sessions?.release()
      idle?.stop()
      unfollow()
      unfollowRequests?.()
      side.release()
      stopConnectionsChecker(server)
    },
  }
}
