import type { IncomingMessage } from 'node:http'
import type { Server as NetServer, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { Server as TLSServer, type TLSSocket } from 'node:tls'
import { rawSocketOf } from './node-internals.js'

export interface SideSockets {
  /** The server's 'upgrade' and 'connect' listener; it must run before the app's. */
  onDetached(req: IncomingMessage, stream: Duplex): void
  /** Whether the connection was handed to the app by an upgrade or CONNECT. */
  isDetached(socket: Socket): boolean
  /** Destroys every socket held here, and counts them. */
  destroyAll(counts: { forced: number; forcedUpgraded: number }): void
  release(): void
}

/**
 * The sockets Node's HTTP connection list does not hold, which the drain must still force at its
 * deadline: connections handed to the app by an upgrade or CONNECT (each with the stream the app
 * was given), and, on a TLS server, sockets still in their handshake. Each is kept, with a
 * 'close' listener, until it closes (or, for a handshake, until it completes). `onSecured` is
 * told of each completed handshake.
 */
export function trackSideSockets(
  server: NetServer,
  onSecured: (socket: TLSSocket) => void,
): SideSockets {
  const detached = new Map<Socket, Duplex>()
  const handshaking = new Set<Socket>()

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
    onSecured(socket)
  }

  if (server instanceof TLSServer) {
    server.on('connection', onTlsConnection)
    server.on('secureConnection', onSecureConnection)
  }

  return {
    onDetached,
    isDetached: (socket) => detached.has(socket),
    destroyAll(counts) {
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
      server.off('connection', onTlsConnection)
      server.off('secureConnection', onSecureConnection)
    },
  }
}
