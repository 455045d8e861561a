import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { IdleCloser } from './idle-sockets.js'
import { activeResponse } from './node-internals.js'

/** The last response queued on a socket, while it has not closed; responses finish in order. */
const kLatest = Symbol('lameduck.latestResponse')
/** Set on responses that lameduck gave `Connection: close`, so a pipelined successor can move it. */
const kMarked = Symbol('lameduck.connectionClose')

type TrackedSocket = Socket & { [kLatest]?: ServerResponse | undefined }
type MarkedResponse = ServerResponse & { [kMarked]?: boolean }

export interface ResponseMarker {
  /** The server's 'request' listener; it must run before the app's. */
  onRequest(req: IncomingMessage, res: ServerResponse): void
  /**
   * From now on, the last response on each socket carries `Connection: close`, and a socket whose
   * last response closes goes to `idle`. `sockets`: the HTTP/1 connections open now.
   */
  drain(idle: IdleCloser, sockets: Iterable<Socket>): void
  /** Whether a response on the socket has not closed yet. */
  busy(socket: Socket): boolean
}

/**
 * The `Connection: close` marking of HTTP/1 responses during the drain, pipelining included.
 * While serving it remembers only the last pipelined response of a socket (Node keeps the one it
 * is writing); `counts.requests` counts the responses completed during the drain.
 */
export function createResponseMarker(counts: { requests: number }): ResponseMarker {
  let idle: IdleCloser | undefined

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    // HTTP/2 requests (the compatibility API) are drained by their session, not their socket.
    if (req.httpVersionMajor === 2) return
    const socket = req.socket as TrackedSocket
    if (idle !== undefined) {
      onRequestWhileDraining(idle, socket, res)
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

  function onRequestWhileDraining(
    idleSockets: IdleCloser,
    socket: TrackedSocket,
    res: ServerResponse,
  ): void {
    idleSockets.delete(socket)
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

  /** Counts the response when it closes, and marks it `Connection: close`. */
  function watch(res: ServerResponse): void {
    res.on('close', onResponseCloseWhileDraining)
    markClose(res)
  }

  function onResponseCloseWhileDraining(this: ServerResponse): void {
    counts.requests++
    const socket = this.req.socket as TrackedSocket
    if (socket[kLatest] === this) socket[kLatest] = undefined
    if (lastResponse(socket) === undefined && !socket.destroyed) idle?.add(socket)
  }

  function markClose(res: MarkedResponse): void {
    if (res.headersSent) return
    res.setHeader('connection', 'close')
    res[kMarked] = true
  }

  return {
    onRequest,
    drain(idleSockets, sockets) {
      idle = idleSockets
      for (const socket of sockets as Iterable<TrackedSocket>) {
        const res = lastResponse(socket)
        const active = activeResponse(socket)
        if (res === undefined) idleSockets.add(socket)
        else watch(res)
        // Counted in the report; `Connection: close` stays on the last one only.
        if (active !== undefined && active !== res) active.on('close', onResponseCloseWhileDraining)
      }
    },
    busy: (socket) => lastResponse(socket) !== undefined,
  }
}
