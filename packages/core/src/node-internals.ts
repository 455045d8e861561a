// Node keeps a few facts lameduck needs in private fields. Every read of one lives here, is
// feature-tested, and runs in CI on Node 20, 22 and 24 (see test/node-internals.test.ts).
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'

/**
 * Node frees a connection's HTTP parser when it hands the socket to an `upgrade` listener
 * (WebSocket and friends); from then on the app, not the HTTP server, owns the socket.
 */
export function isUpgraded(socket: Socket): boolean {
  return (socket as Socket & { parser?: unknown }).parser === null && !socket.destroyed
}

/** The TCP socket a TLS socket was wrapped around by `tls.Server`. */
export function rawSocketOf(socket: TLSSocket): Socket | undefined {
  const parent = (socket as TLSSocket & { _parent?: unknown })._parent
  return parent !== null && typeof parent === 'object' ? (parent as Socket) : undefined
}

/**
 * `http.Server.close()` would stop Node's request/headers timeout checker, but it also closes
 * every idle keep-alive socket at once, which races clients. lameduck closes the listener with
 * `net.Server.prototype.close` instead and stops the checker here once the drain is over.
 */
export function stopConnectionsChecker(server: Server): void {
  const key = Object.getOwnPropertySymbols(server).find(
    (symbol) => symbol.description === 'http.server.connectionsCheckingInterval',
  )
  if (key === undefined) return
  const interval = (server as unknown as Record<symbol, unknown>)[key]
  if (interval !== undefined) clearInterval(interval as NodeJS.Timeout)
}
