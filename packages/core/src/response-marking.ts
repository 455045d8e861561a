import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { IdleCloser } from './idle-sockets.js'
import { activeResponse, lastRequest } from './node-internals.js'

/** Set on a response once the drain follows it, so it is counted once. */
const kFollowed = Symbol('lameduck.followed')
/** The response on a socket that lameduck gave `Connection: close`, while it can still move. */
const kMarked = Symbol('lameduck.connectionClose')

type FollowedResponse = ServerResponse & { [kFollowed]?: true }
type MarkedSocket = Socket & { [kMarked]?: ServerResponse | undefined }

export interface ResponseMarker {
  /**
   * The server's 'request' listener from the start of the drain on (none before: serving costs
   * nothing per request); it must run before the app's.
   */
  onRequest(req: IncomingMessage, res: ServerResponse): void
  /**
   * From now on, the last response on each socket carries `Connection: close`, and a socket whose
   * last response finishes goes to `idle`. `sockets`: the HTTP/1 connections open now.
   */
  drain(idle: IdleCloser, sockets: Iterable<Socket>): void
  /** Whether a response on the socket has not finished yet. */
  busy(socket: Socket): boolean
}

/**
 * The `Connection: close` marking of HTTP/1 responses during the drain, pipelining included.
 * Nothing is tracked while serving: when the drain starts, each socket's state is read from Node
 * (the response it is writing, and the last request it parsed), and the drain follows each
 * socket from response to response as Node hands the next pipelined one its turn.
 *
 * `Connection: close` goes on a response only while it is the last request read on its socket;
 * a request read later takes the mark over if the marked response has not sent its headers. A
 * response whose headers went out before its turn (queued behind a slower one) cannot take it:
 * its socket is closed as idle once it has finished. `counts.requests` counts the responses
 * that close during the drain.
 */
export function createResponseMarker(counts: { requests: number }): ResponseMarker {
  let idle: IdleCloser | undefined

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    // HTTP/2 requests (the compatibility API) are drained by their session, not their socket.
    if (req.httpVersionMajor === 2 || idle === undefined) return
    const socket = req.socket as MarkedSocket
    idle.delete(socket)
    // Pipelined: the mark moves to the newest response, or the ones queued behind the marked
    // one would be lost with the socket.
    const marked = socket[kMarked]
    if (marked !== undefined && !marked.headersSent) marked.removeHeader('connection')
    socket[kMarked] = undefined
    follow(res)
  }

  /** Counts the response when it closes, marks it when it is the last, and follows its socket. */
  function follow(res: FollowedResponse): void {
    if (res[kFollowed] === true) return
    res[kFollowed] = true
    res.once('close', onResponseClose)
    res.once('finish', onResponseFinish)
    const socket = res.req.socket as MarkedSocket
    const latest = lastRequest(socket)
    if ((latest === undefined || latest === res.req) && !res.headersSent) {
      res.setHeader('connection', 'close')
      socket[kMarked] = res
    }
  }

  function onResponseClose(): void {
    counts.requests++
  }

  // Node's own 'finish' listener ran first (it was added before the app saw the response): the
  // next pipelined response, if any, is now the socket's active one.
  function onResponseFinish(this: ServerResponse): void {
    const socket = this.req.socket as MarkedSocket
    if (socket[kMarked] === this) socket[kMarked] = undefined
    followSocket(socket)
  }

  function followSocket(socket: Socket): void {
    const next = activeResponse(socket)
    if (next !== undefined) follow(next)
    else if (!socket.destroyed && !socket.writableEnded) idle?.add(socket)
  }

  return {
    onRequest,
    drain(idleSockets, sockets) {
      idle = idleSockets
      for (const socket of sockets) followSocket(socket)
    },
    busy: (socket) => activeResponse(socket) !== undefined,
  }
}
