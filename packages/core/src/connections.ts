import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { Server as NetServer, type Socket } from 'node:net'
import { Server as TLSServer, type TLSSocket } from 'node:tls'
import { isUpgraded, rawSocketOf, stopConnectionsChecker } from './node-internals.js'

/** The latest response on a socket that has not closed yet; responses finish in order. */
const kLatest = Symbol('lameduck.latestResponse')
/** Set on responses that lameduck gave `Connection: close`, so a pipelined successor can move it. */
const kMarked = Symbol('lameduck.connectionClose')

type TrackedSocket = Socket & { [kLatest]?: ServerResponse | undefined }
type MarkedResponse = ServerResponse & { [kMarked]?: boolean }

export interface DrainCounts {
  /** Responses completed after the drain began. */
  requests: number
  /** Keep-alive sockets closed after `idleGrace` without a request. */
  idleClosed: number
  /** Sockets destroyed at the deadline. */
  forced: number
  /** Requests whose response had not completed when their socket was destroyed. */
  forcedRequests: number
  /** Upgraded sockets (WebSocket, ...) still open at the deadline. */
  forcedUpgraded: number
}

export interface ConnectionTracker {
  readonly size: number
  /** Closes the listener and starts draining every socket. */
  drain(idleGrace: number): void
  /** Destroys every socket still open. */
  destroyAll(): void
  /** Removes lameduck's listeners from the server. */
  release(): void
  readonly counts: Readonly<DrainCounts>
}

/**
 * Tracks one server's sockets and which of them have a response in flight, and during the drain
 * closes each one as soon as no request can be lost by doing so.
 */
export function trackConnections(server: Server, onEmpty: () => void): ConnectionTracker {
  const sockets = new Set<TrackedSocket>()
  const counts: DrainCounts = {
    requests: 0,
    idleClosed: 0,
    forced: 0,
    forcedRequests: 0,
    forcedUpgraded: 0,
  }
  let draining = false
  let idleGrace = 0
  // Insertion order is expiry order because every socket waits the same grace.
  const idle = new Map<TrackedSocket, { expiresAt: number; bytesRead: number }>()
  let idleTimer: NodeJS.Timeout | undefined

  function onSocketClose(this: TrackedSocket): void {
    sockets.delete(this)
    idle.delete(this)
    if (draining && sockets.size === 0) onEmpty()
  }

  function onConnection(socket: TrackedSocket): void {
    sockets.add(socket)
    socket.on('close', onSocketClose)
    // A TLS handshake that began before the listener closed can complete during the drain.
    if (draining) becameIdle(socket)
  }

  function onSecureConnection(socket: TLSSocket): void {
    const raw = rawSocketOf(socket)
    if (raw !== undefined) {
      sockets.delete(raw)
      idle.delete(raw)
      raw.off('close', onSocketClose)
    }
    onConnection(socket)
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket as TrackedSocket
    const previous = socket[kLatest] as MarkedResponse | undefined
    socket[kLatest] = res
    res.on('close', onResponseClose)
    if (!draining) return
    idle.delete(socket)
    // Pipelined: `Connection: close` belongs on the last response, or the ones queued behind it
    // would be lost with the socket.
    if (previous?.[kMarked] === true && !previous.headersSent) {
      previous.removeHeader('connection')
      previous[kMarked] = false
    }
    markClose(res)
  }

  function onResponseClose(this: ServerResponse): void {
    if (draining) counts.requests++
    const socket = this.req.socket as TrackedSocket
    if (socket[kLatest] !== this) return
    socket[kLatest] = undefined
    if (draining && !socket.destroyed) becameIdle(socket)
  }

  function markClose(res: MarkedResponse): void {
    if (res.headersSent) return
    res.setHeader('connection', 'close')
    res[kMarked] = true
  }

  function becameIdle(socket: TrackedSocket): void {
    if (idleGrace === 0) {
      closeIdle(socket)
      return
    }
    idle.delete(socket)
    idle.set(socket, { expiresAt: performance.now() + idleGrace, bytesRead: socket.bytesRead })
    if (idleTimer === undefined) armIdleTimer(idleGrace)
  }

  function armIdleTimer(ms: number): void {
    idleTimer = setTimeout(onIdleTimer, Math.max(0, Math.ceil(ms)))
  }

  function onIdleTimer(): void {
    idleTimer = undefined
    const now = performance.now()
    for (const [socket, entry] of idle) {
      if (entry.expiresAt > now) break
      idle.delete(socket)
      // Bytes arrived since the socket went idle: a request is on its way in, so wait for it.
      if (socket.bytesRead !== entry.bytesRead) becameIdle(socket)
      else closeIdle(socket)
    }
    const next = idle.values().next()
    if (!next.done) armIdleTimer(next.value.expiresAt - now)
  }

  function closeIdle(socket: TrackedSocket): void {
    if (socket.destroyed) return
    counts.idleClosed++
    socket.destroy()
  }

  server.on('connection', onConnection)
  if (server instanceof TLSServer) server.on('secureConnection', onSecureConnection)
  // First in line, so `Connection: close` is set before the app's handler can send headers.
  server.prependListener('request', onRequest)

  return {
    get size() {
      return sockets.size
    },
    counts,
    drain(grace) {
      draining = true
      idleGrace = grace
      if (server.listening) NetServer.prototype.close.call(server)
      for (const socket of sockets) {
        // The app owns upgraded sockets; they are waited for, and destroyed at the deadline.
        if (isUpgraded(socket)) continue
        const res = socket[kLatest]
        if (res === undefined) becameIdle(socket)
        else markClose(res)
      }
      if (sockets.size === 0) onEmpty()
    },
    destroyAll() {
      for (const socket of sockets) {
        if (isUpgraded(socket)) counts.forcedUpgraded++
        else if (socket[kLatest] !== undefined) counts.forcedRequests++
        counts.forced++
        socket.destroy()
      }
    },
    release() {
      if (idleTimer !== undefined) clearTimeout(idleTimer)
      idle.clear()
      server.off('connection', onConnection)
      server.off('secureConnection', onSecureConnection)
      server.off('request', onRequest)
      stopConnectionsChecker(server)
    },
  }
}
