import { once } from 'node:events'
import { connect, type Socket } from 'node:net'

export interface Frame {
  type: number
  flags: number
  stream: number
  payload: Buffer
}

const FRAME = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
} as const
// HPACK: :method GET, :path /, :scheme http (static table), :authority "x" (literal, indexed name).
const GET_ROOT = Buffer.from([0x82, 0x84, 0x86, 0x41, 0x01, 0x78])

/**
 * An HTTP/2 client written by hand over h2c, so a test can open a stream at a moment a real
 * client would not allow (right after reading a GOAWAY) and see every frame that comes back.
 */
export interface RawH2Options {
  /** Acknowledge the server's SETTINGS (default true). */
  ackSettings?: boolean
  /** Acknowledge the server's PINGs (default true). */
  ackPings?: boolean
}

export class RawH2Client {
  readonly socket: Socket
  readonly frames: Frame[] = []
  #buffer = Buffer.alloc(0)
  #listeners: ((frame: Frame) => void)[] = []
  readonly #acks: Required<RawH2Options>

  private constructor(socket: Socket, acks: Required<RawH2Options>) {
    this.socket = socket
    this.#acks = acks
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk])
      this.#parse()
    })
  }

  static async connect(port: number, options: RawH2Options = {}): Promise<RawH2Client> {
    const socket = connect({ port, host: '127.0.0.1' })
    await once(socket, 'connect')
    socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
    socket.write(frame(FRAME.SETTINGS, 0, 0, Buffer.alloc(0)))
    return new RawH2Client(socket, { ackSettings: true, ackPings: true, ...options })
  }

  /** Opens stream `id` with `GET path` (a path under 127 bytes). */
  get(id: number, path = '/'): void {
    const block =
      path === '/'
        ? GET_ROOT
        : // :path as a literal without indexing, its name from the static table (index 4).
          Buffer.concat([GET_ROOT.subarray(0, 1), GET_ROOT.subarray(2), pathField(path)])
    this.socket.write(frame(FRAME.HEADERS, 0x5, id, block))
  }

  /** Lets the server send up to 2^31-1 bytes without waiting for a WINDOW_UPDATE. */
  openWindows(): void {
    const max = 2 ** 31 - 1
    const initialWindow = Buffer.alloc(6)
    initialWindow.writeUInt16BE(4, 0) // SETTINGS_INITIAL_WINDOW_SIZE
    initialWindow.writeUInt32BE(max, 2)
    this.socket.write(frame(FRAME.SETTINGS, 0, 0, initialWindow))
    const increment = Buffer.alloc(4)
    increment.writeUInt32BE(max - 65_535, 0)
    this.socket.write(frame(FRAME.WINDOW_UPDATE, 0, 0, increment))
  }

  /** Calls `fn` on each frame from now on. */
  onFrame(fn: (frame: Frame) => void): void {
    this.#listeners.push(fn)
  }

  /** Resolves with the first frame, already received or to come, that matches. */
  next(match: (frame: Frame) => boolean): Promise<Frame> {
    const seen = this.frames.find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve) => this.onFrame((f) => match(f) && resolve(f)))
  }

  close(): void {
    this.socket.destroy()
  }

  #parse(): void {
    while (this.#buffer.length >= 9) {
      const length = this.#buffer.readUIntBE(0, 3)
      if (this.#buffer.length < 9 + length) return
      const received: Frame = {
        type: this.#buffer[3]!,
        flags: this.#buffer[4]!,
        stream: this.#buffer.readUInt32BE(5) & 0x7fffffff,
        payload: this.#buffer.subarray(9, 9 + length),
      }
      this.#buffer = this.#buffer.subarray(9 + length)
      // Acknowledge SETTINGS and PING as every client must, unless told to misbehave.
      if (received.type === FRAME.SETTINGS && !(received.flags & 1) && this.#acks.ackSettings) {
        this.socket.write(frame(FRAME.SETTINGS, 1, 0, Buffer.alloc(0)))
      }
      if (received.type === FRAME.PING && !(received.flags & 1) && this.#acks.ackPings) {
        this.socket.write(frame(FRAME.PING, 1, 0, received.payload))
      }
      this.frames.push(received)
      for (const listener of this.#listeners) listener(received)
    }
  }
}

export const H2_FRAME = FRAME

/** The last stream id of RFC 9113's shutdown notice: the first of a two-step GOAWAY. */
export const NOTICE_LAST_STREAM = 2 ** 31 - 1

/** The last stream id a GOAWAY frame names. */
export function goawayLastStream(frame: Frame): number {
  return frame.payload.readUInt32BE(0) & 0x7fffffff
}

/** The error code of a RST_STREAM or GOAWAY frame (0 is NO_ERROR). */
export function errorCode(frame: Frame): number {
  return frame.payload.readUInt32BE(frame.type === FRAME.GOAWAY ? 4 : 0)
}

function pathField(path: string): Buffer {
  const bytes = Buffer.from(path)
  return Buffer.concat([Buffer.from([0x04, bytes.length]), bytes])
}

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9)
  head.writeUIntBE(payload.length, 0, 3)
  head[3] = type
  head[4] = flags
  head.writeUInt32BE(stream, 5)
  return Buffer.concat([head, payload])
}
