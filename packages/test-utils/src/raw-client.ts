import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * A client that writes HTTP/1.1 by hand on one socket, so a test sees exactly which headers come
 * back and when the server closes the connection.
 */
export class RawClient {
  readonly socket: Socket
  /** Resolves when the socket closes, with whether the server ended it by FIN or by reset. */
  readonly closed: Promise<{ error?: NodeJS.ErrnoException }>
  #buffer = Buffer.alloc(0)
  #waiters: (() => void)[] = []
  #ended = false

  private constructor(socket: Socket) {
    this.socket = socket
    let error: NodeJS.ErrnoException | undefined
    socket.on('error', (err) => {
      error = err
    })
    // Not `once(socket, 'close')`, which rejects on the reset this is meant to report.
    this.closed = new Promise((resolve) => {
      socket.once('close', () => resolve(error === undefined ? {} : { error }))
    })
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk])
      this.#wake()
    })
    socket.on('close', () => {
      this.#ended = true
      this.#wake()
    })
  }

  /** Connects over TCP, or over TLS (any certificate accepted) when `tls` is true. */
  static async connect(port: number, tls = false): Promise<RawClient> {
    const socket = tls
      ? connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : connect({ port, host: '127.0.0.1' })
    await once(socket, tls ? 'secureConnect' : 'connect')
    return new RawClient(socket)
  }

  /** Writes one request; `send` several before reading to pipeline them. */
  send(method: string, path: string, body?: string): void {
    const length = body === undefined ? '' : `content-length: ${Buffer.byteLength(body)}\r\n`
    this.socket.write(`${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${length}\r\n${body ?? ''}`)
  }

  async request(method: string, path: string, body?: string): Promise<RawResponse> {
    this.send(method, path, body)
    return this.read()
  }

  /** Resolves once the head of the next response (status line and headers) has arrived. */
  async headers(): Promise<void> {
    while (this.#buffer.indexOf('\r\n\r\n') === -1) {
      if (this.#ended) throw new Error('socket closed before the response headers arrived')
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
  }

  /** Reads the next complete response (content-length or chunked). */
  async read(): Promise<RawResponse> {
    for (;;) {
      const parsed = parse(this.#buffer)
      if (parsed !== undefined) {
        this.#buffer = this.#buffer.subarray(parsed.consumed)
        return parsed.response
      }
      if (this.#ended) throw new Error('socket closed before a complete response arrived')
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
  }

  close(): void {
    this.socket.destroy()
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter()
  }
}

function parse(buffer: Buffer): { response: RawResponse; consumed: number } | undefined {
  const end = buffer.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  const [statusLine = '', ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const status = Number(statusLine.split(' ')[1])
  let offset = end + 4
  if (headers['transfer-encoding'] === 'chunked') {
    const chunks: Buffer[] = []
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', offset)
      if (lineEnd === -1) return undefined
      const size = Number.parseInt(buffer.subarray(offset, lineEnd).toString('latin1'), 16)
      if (buffer.length < lineEnd + 2 + size + 2) return undefined
      chunks.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size))
      offset = lineEnd + 2 + size + 2
      if (size === 0) break
    }
    return {
      response: { status, headers, body: Buffer.concat(chunks).toString() },
      consumed: offset,
    }
  }
  const length = Number(headers['content-length'] ?? 0)
  if (buffer.length < offset + length) return undefined
  const body = buffer.subarray(offset, offset + length).toString()
  return { response: { status, headers, body }, consumed: offset + length }
}

/** Resolves with the error code of a fresh connection attempt ('connected' when it succeeds). */
export async function connectOutcome(port: number): Promise<string> {
  const socket = connect({ port, host: '127.0.0.1' })
  try {
    await once(socket, 'connect')
    return 'connected'
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'unknown'
  } finally {
    socket.destroy()
  }
}

/** A server process that says when a request has reached its app. */
export interface ArrivalSource {
  port: number
  /** Resolves once the app has a request for `path`. */
  arrived(path: string): Promise<void>
}

/** Sends `GET path` on a new connection; resolves, with the client, once the app has it. */
export async function inFlight(target: ArrivalSource, path: string): Promise<RawClient> {
  const raw = await RawClient.connect(target.port)
  const inRequest = target.arrived(path)
  raw.send('GET', path)
  await inRequest
  return raw
}
