import type { EventEmitter } from 'node:events'
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { Server as TLSServer, type TLSSocket } from 'node:tls'
import { type Http2AnyServer, isHttp2Server, trackSessions } from './http2.js'
import { closeListener, type ListenerGuard } from './listener.js'
import {
  activeResponse,
  connectionCount,
  httpConnections,
  rawSocketOf,
  stopConnectionsChecker,
} from './node-internals.js'
import { type GoawayCounts, noGoaways } from './shutdown-notice.js'

export type AttachableServer = HttpServer | HttpsServer | Http2AnyServer

/** The last response queued on a socket, while it has not closed; responses finish in order. */
const kLatest = Symbol('lameduck.latestResponse')
/** Set on responses that lameduck gave `Connection: close`, so a pipelined successor can move it. */
const kMarked = Symbol('lameduck.connectionClose')

type Listener = Parameters<EventEmitter['on']>[1]
type TrackedSocket = Socket & { [kLatest]?: ServerResponse | undefined }
type MarkedResponse = ServerResponse & { [kMarked]?: boolean }

export interface DrainCounts extends GoawayCounts {
  /** Responses completed after the drain began. */
  requests: number
  /** Keep-alive sockets closed after `idleGrace` without a request. */
  idleClosed: number
  /** Sockets destroyed at the deadline. */
  forced: number
  /** Requests whose response had not completed when their socket was destroyed. */
  forcedRequests: number
  /** Upgraded sockets (WebSocket, CONNECT tunnels) destroyed at the deadline. */
  forcedUpgraded: number
}

export interface ConnectionTracker {
  /** True once the listener has closed and every connection has ended. */
  readonly drained: boolean
  /** Closes the listener (through `guard` when given) and starts draining every connection. */
  drain(idleGrace: number, guard?: ListenerGuard): void
  /** Destroys every connection still open. */
  destroyAll(): void
  /** Removes lameduck's listeners from the server. */
  release(): void
  readonly counts: Readonly<DrainCounts>
}

/**
 * Drains one server: marks responses `Connection: close`, and closes each socket as soon as no
 * request can be lost by doing so. While serving it costs one listener call per request and
 * nothing per connection: Node's own connection list and active response are read at drain time.
 */
export function trackConnections(
  server: AttachableServer,
  onDrained: () => void,
): ConnectionTracker {
  const counts: DrainCounts = {
    requests: 0,
    idleClosed: 0,
    forced: 0,
    forcedRequests: 0,
    forcedUpgraded: 0,
    ...noGoaways(),
  }
  let draining = false
  let drained = false
  let idleGrace = 0
  // Insertion order is expiry order because every socket waits the same grace.
  const idle = new Map<TrackedSocket, { expiresAt: number; bytesRead: number }>()
  let idleTimer: NodeJS.Timeout | undefined
  let idleCheck: NodeJS.Immediate | undefined
  let closeListenerNow: (() => void) | undefined
  // What Node's HTTP connection list does not hold: sockets handed to the app by an upgrade or
  // CONNECT (each connection with the stream the app was given), and TLS sockets still in their
  // handshake.
  const detached = new Map<Socket, Duplex>()
  const handshaking = new Set<Socket>()

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    // HTTP/2 requests (the compatibility API) are drained by their session, not their socket.
    if (req.httpVersionMajor === 2) return
    const socket = req.socket as TrackedSocket
    if (draining) {
      onRequestWhileDraining(socket, res)
    } else if (activeResponse(socket) !== res) {
      // Pipelined: Node queued this response behind the one it is writing. Remember the last
      // one, since the drain's `Connection: close` belongs on it.
      socket[kLatest] = res
      res.on('close', onQueuedResponseClose)
    }
  }

  function onQueuedResponseClose(this: ServerResponse): void {
    const socket = this.req.socket as TrackedSocket
    if (socket[kLatest] === this) socket[kLatest] = undefined
  }

  function onRequestWhileDraining(socket: TrackedSocket, res: ServerResponse): void {
    idle.delete(socket)
    const previous = lastResponse(socket) as MarkedResponse | undefined
    // Pipelined: `Connection: close` moves to the last response, or the ones queued behind it
    // would be lost with the socket.
    if (previous?.[kMarked] === true && !previous.headersSent) {
      previous.removeHeader('connection')
      previous[kMarked] = false
    }
    socket[kLatest] = res
    watch(res)
  }

  /** The last response on the socket that has not closed, or none when the socket is idle. */
  function lastResponse(socket: TrackedSocket): ServerResponse | undefined {
    return socket[kLatest] ?? activeResponse(socket)
  }

  function watch(res: ServerResponse): void {
    res.on('close', onResponseCloseWhileDraining)
    markClose(res)
  }

  function onResponseCloseWhileDraining(this: ServerResponse): void {
    counts.requests++
    const socket = this.req.socket as TrackedSocket
    if (socket[kLatest] === this) socket[kLatest] = undefined
    if (lastResponse(socket) === undefined && !socket.destroyed) becameIdle(socket)
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
    idleTimer = setTimeout(afterNextRead, Math.max(0, Math.ceil(ms)))
  }

  // A timer that comes due while the event loop was busy runs before the loop reads the sockets,
  // so a request already waiting in the kernel would look like silence; deciding after the next
  // poll phase (a `setImmediate`) sees it.
  function afterNextRead(): void {
    idleCheck = setImmediate(onIdleTimer)
  }

  function onIdleTimer(): void {
    idleTimer = undefined
    idleCheck = undefined
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

  function onDetachedClose(this: Socket): void {
    detached.delete(this)
  }

  function onDetached(req: IncomingMessage, stream: Duplex): void {
    // From Node 26, an upgrade whose request has a body hands the app an `UpgradeStream` over the
    // connection, which stays in Node's list until the body has ended (nodejs/node#60016). Keyed
    // by the connection, it is neither closed as idle nor counted twice.
    const connection = req.socket
    detached.set(connection, stream)
    connection.on('close', onDetachedClose)
  }

  // lameduck listens to these events exactly when the app does, and first in line, because
  // Node behaves differently depending on whether anyone listens: without a listener it answers
  // 'upgrade' and 'connect' requests itself, and a 'request' listener turns on HTTP/2's
  // compatibility layer. `Connection: close` must also be set before the app's handler runs.
  const followed = new Map<string | symbol, Listener>([
    ['request', onRequest],
    ['upgrade', onDetached],
    ['connect', onDetached],
  ])

  function following(event: string | symbol, ours: unknown): boolean {
    return server.listeners(event).includes(ours as never)
  }

  function onNewListener(event: string | symbol, listener: unknown): void {
    const ours = followed.get(event)
    if (ours !== undefined && listener !== ours && !following(event, ours)) {
      server.prependListener(event as 'request', ours)
    }
  }

  function onRemoveListener(event: string | symbol): void {
    const ours = followed.get(event)
    if (ours !== undefined && following(event, ours) && server.listenerCount(event) === 1) {
      server.off(event as 'request', ours)
    }
  }

  function onHandshakingClose(this: Socket): void {
    handshaking.delete(this)
  }

  function onTlsConnection(raw: Socket): void {
    handshaking.add(raw)
    raw.on('close', onHandshakingClose)
  }

  function onSecureConnection(socket: TLSSocket): void {
    const raw = rawSocketOf(socket)
    if (raw !== undefined) {
      handshaking.delete(raw)
      raw.off('close', onHandshakingClose)
    }
    // A handshake that began before the listener closed can complete during the drain; an
    // HTTP/2 one becomes a session, which the session tracker drains.
    if (draining && socket.alpnProtocol !== 'h2') becameIdle(socket)
  }

  function onServerClosed(): void {
    if (drained) return
    drained = true
    onDrained()
  }

  const sessions = isHttp2Server(server) ? trackSessions(server, counts) : undefined
  for (const [event, ours] of followed) {
    if (server.listenerCount(event) > 0) server.prependListener(event as 'request', ours)
  }
  server.on('newListener', onNewListener)
  server.on('removeListener', onRemoveListener)
  if (server instanceof TLSServer) {
    server.on('connection', onTlsConnection)
    server.on('secureConnection', onSecureConnection)
  }

  return {
    get drained() {
      return drained
    },
    counts,
    drain(grace, guard) {
      draining = true
      idleGrace = grace
      // Stop accepting, and call back once the last connection has ended. A connection the
      // guard lets in meanwhile is drained from its first request on (it is sent at once).
      if (server.listening) closeListenerNow = closeListener(server, guard, onServerClosed)
      else if (connectionCount(server) === 0) onServerClosed()
      else server.once('close', onServerClosed)
      sessions?.drain()
      for (const socket of httpConnections(server) as TrackedSocket[]) {
        if (detached.has(socket)) continue
        const res = lastResponse(socket)
        const active = activeResponse(socket)
        if (res === undefined) becameIdle(socket)
        else watch(res)
        // Counted in the report; `Connection: close` stays on the last one only.
        if (active !== undefined && active !== res) active.on('close', onResponseCloseWhileDraining)
      }
    },
    destroyAll() {
      closeListenerNow?.()
      sessions?.destroyAll()
      for (const socket of httpConnections(server) as TrackedSocket[]) {
        if (detached.has(socket)) continue
        if (lastResponse(socket) !== undefined) counts.forcedRequests++
        counts.forced++
        socket.destroy()
      }
      for (const [connection, stream] of detached) {
        counts.forcedUpgraded++
        counts.forced++
        stream.destroy()
        connection.destroy()
      }
      for (const socket of handshaking) {
        counts.forced++
        socket.destroy()
      }
    },
    release() {
      sessions?.release()
      if (idleTimer !== undefined) clearTimeout(idleTimer)
      if (idleCheck !== undefined) clearImmediate(idleCheck)
      idle.clear()
      for (const [event, ours] of followed) server.off(event as 'request', ours)
      server.off('newListener', onNewListener)
      server.off('removeListener', onRemoveListener)
      server.off('connection', onTlsConnection)
      server.off('secureConnection', onSecureConnection)
      stopConnectionsChecker(server)
    },
  }
}
