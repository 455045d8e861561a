// Node keeps a few facts lameduck needs in private fields. Every read of one lives here, is
// feature-tested, and runs in CI on Node 20, 22 and 24 (see test/node-internals.test.ts).
import type { ServerResponse } from 'node:http'
import type { Http2Session } from 'node:http2'
import type { Server as NetServer, Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'

const symbolNamed = (server: NetServer, description: string) =>
  Object.getOwnPropertySymbols(server).find((symbol) => symbol.description === description)

/**
 * Every open HTTP/1 connection of the server. Node already tracks them (it needs them for
 * `closeIdleConnections()`), so lameduck reads that list rather than paying for a second one.
 * Upgraded sockets leave the list when they upgrade; TLS sockets join it after the handshake.
 */
export function httpConnections(server: NetServer): Socket[] {
  const key = symbolNamed(server, 'http.server.connections')
  const list = key === undefined ? undefined : (server as unknown as Record<symbol, unknown>)[key]
  if (list === undefined) return []
  const parsers = (list as { all(): { socket?: Socket | null }[] }).all()
  const sockets: Socket[] = []
  for (const parser of parsers) if (parser.socket) sockets.push(parser.socket)
  return sockets
}

/**
 * The response Node is writing on this socket right now; responses to pipelined requests wait
 * in a queue of Node's until it is done.
 */
export function activeResponse(socket: Socket): ServerResponse | undefined {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined
}

/** The TCP socket a TLS socket was wrapped around by `tls.Server`. */
export function rawSocketOf(socket: TLSSocket): Socket | undefined {
  const parent = (socket as TLSSocket & { _parent?: unknown })._parent
  return parent !== null && typeof parent === 'object' ? (parent as Socket) : undefined
}

/** How many streams an HTTP/2 session has open; Node keeps them in a map on the session. */
export function openStreams(session: Http2Session): number {
  const key = Object.getOwnPropertySymbols(session).find((s) => s.description === 'state')
  const state = key === undefined ? undefined : (session as unknown as Record<symbol, unknown>)[key]
  const streams = (state as { streams?: { size?: unknown } } | undefined)?.streams
  return typeof streams?.size === 'number' ? streams.size : 0
}

/** How many connections the server holds, whatever their kind (`net.Server` counts them). */
export function connectionCount(server: NetServer): number {
  return (server as NetServer & { _connections?: number })._connections ?? 0
}

/**
 * `http.Server.close()` would stop Node's request/headers timeout checker, but it also closes
 * every idle keep-alive socket at once, which races clients. lameduck closes the listener with
 * `net.Server.prototype.close` instead and stops the checker here once the drain is over.
 */
export function stopConnectionsChecker(server: NetServer): void {
  const key = symbolNamed(server, 'http.server.connectionsCheckingInterval')
  if (key === undefined) return
  const interval = (server as unknown as Record<symbol, unknown>)[key]
  if (interval !== undefined) clearInterval(interval as NodeJS.Timeout)
}

/**
 * The listening socket's fd when this process bound it itself (`listen(port)`), else undefined:
 * a socket listened on from an fd or a handle (`lameduck run`, systemd, cluster workers) may be
 * shared with another process, which must never inherit what lameduck does to it. Node records
 * the address family in `_connectionKey` only when it bound the address.
 */
export function ownListenerFd(server: NetServer): number | undefined {
  const { _connectionKey: key, _handle: handle } = server as NetServer & {
    _connectionKey?: unknown
    _handle?: { fd?: unknown } | null
  }
  if (typeof key !== 'string' || !/^[46]:/.test(key)) return undefined
  const fd = handle?.fd
  return typeof fd === 'number' && fd >= 0 ? fd : undefined
}
