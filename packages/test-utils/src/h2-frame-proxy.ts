import { once } from 'node:events'
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net'
import { connect as connectTls, createServer as createTlsServer } from 'node:tls'
import type { TestCertificate } from './tls.js'

const PREFACE_LENGTH = 24
const HEADERS = 1
const GOAWAY = 7

/** What crossed an h2c proxy, counted from the frames themselves. */
export interface H2FrameCounts {
  /** Connections the client opened through the proxy. */
  connections: number
  /** Streams the client opened: its HEADERS frames on stream ids above any it used before. */
  streamsSent: number
  /** Streams the server answered: its first HEADERS frame on each stream. */
  streamsAnswered: number
  /** The last stream id of each GOAWAY the server sent, in order. */
  goaways: number[]
  /**
   * Streams the client sent above the last stream id of the server's last GOAWAY on that
   * connection: the server dropped them unprocessed. Counted when the connection closes.
   */
  refused: number
}

/**
 * Parses HTTP/2 frames from one direction of a connection as they pass, without holding them
 * back: the proxy forwards every byte as it comes.
 */
function frameReader(
  skip: number,
  onFrame: (type: number, stream: number, payload: Buffer) => void,
) {
  let pending: Buffer = Buffer.alloc(0)
  let toSkip = skip
  return (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    if (toSkip > 0) {
      const skipped = Math.min(toSkip, pending.length)
      pending = pending.subarray(skipped)
      toSkip -= skipped
    }
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3)
      if (pending.length < 9 + length) break
      onFrame(pending[3]!, pending.readUInt32BE(5) & 0x7fffffff, pending.subarray(9, 9 + length))
      pending = pending.subarray(9 + length)
    }
  }
}

/**
 * A byte-for-byte h2c proxy that counts, at the frame level, the streams a client sent and the
 * ones the server answered: what reached the server is then known whatever the client reports.
 * With `tls`, it ends the client's TLS (h2 by ALPN) and opens its own to the server, relaying the
 * same HTTP/2 bytes: the frames are then readable between the two.
 */
export class H2FrameProxy {
  readonly counts: H2FrameCounts = {
    connections: 0,
    streamsSent: 0,
    streamsAnswered: 0,
    goaways: [],
    refused: 0,
  }
  readonly #server: Server
  readonly #sockets = new Set<Socket>()

  private constructor(server: Server) {
    this.#server = server
  }

  /** Listens on a free port of 127.0.0.1 and forwards each connection to `targetPort`. */
  static async start(targetPort: number, tls?: TestCertificate): Promise<H2FrameProxy> {
    const server =
      tls === undefined ? createServer() : createTlsServer({ ...tls, ALPNProtocols: ['h2'] })
    const proxy = new H2FrameProxy(server)
    server.on(tls === undefined ? 'connection' : 'secureConnection', (client: Socket) =>
      proxy.#relay(client, targetPort, tls !== undefined),
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return proxy
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port
  }

  #relay(client: Socket, targetPort: number, tls: boolean): void {
    const counts = this.counts
    counts.connections++
    const upstream = tls
      ? connectTls({
          port: targetPort,
          host: '127.0.0.1',
          ALPNProtocols: ['h2'],
          rejectUnauthorized: false,
        })
      : connect(targetPort, '127.0.0.1')
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    const opened: number[] = []
    const answered = new Set<number>()
    let lastGoaway: number | undefined
    client.on(
      'data',
      frameReader(PREFACE_LENGTH, (type, stream) => {
        if (type !== HEADERS || stream <= (opened.at(-1) ?? 0)) return
        opened.push(stream)
        counts.streamsSent++
      }),
    )
    client.once('close', () => {
      if (lastGoaway !== undefined) counts.refused += opened.filter((id) => id > lastGoaway!).length
    })
    upstream.on(
      'data',
      frameReader(0, (type, stream, payload) => {
        if (type === GOAWAY) {
          lastGoaway = payload.readUInt32BE(0) & 0x7fffffff
          counts.goaways.push(lastGoaway)
        }
        if (type !== HEADERS || answered.has(stream)) return
        answered.add(stream)
        counts.streamsAnswered++
      }),
    )
    client.pipe(upstream)
    upstream.pipe(client)
  }

  /** Stops listening and ends every connection still open. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    if (this.#server.listening) {
      this.#server.close()
      await once(this.#server, 'close')
    }
  }
}
