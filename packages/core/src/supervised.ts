import { InvalidOptionError } from './errors.js'

/**
 * The environment `lameduck run` gives each worker: the inherited listening sockets, as file
 * descriptors, and the worker's generation.
 */
export const WORKER_ENV = Object.freeze({
  fds: 'LAMEDUCK_FDS',
  generation: 'LAMEDUCK_GENERATION',
  /** 48 bytes, base64: TLS session-ticket keys shared by every generation of workers. */
  ticketKeys: 'LAMEDUCK_TICKET_KEYS',
})

/**
 * The TLS session-ticket keys `lameduck run` shares across generations, so sessions resume
 * across a reload instead of a full handshake on every reconnection.
 */
export function inheritedTicketKeys(): Buffer | undefined {
  const keys = process.env[WORKER_ENV.ticketKeys]
  if (keys === undefined || inheritedFd() === undefined) return undefined
  const buffer = Buffer.from(keys, 'base64')
  return buffer.length === 48 ? buffer : undefined
}

export interface ListenOptions {
  /** Port to listen on when not under `lameduck run` (which hands over its socket instead). */
  port?: number | undefined
  /** @default Node's default: all interfaces */
  host?: string | undefined
  backlog?: number | undefined
}

/** The socket `lameduck run` handed over, when this process is one of its workers. */
export function inheritedFd(): number | undefined {
  const fds = process.env[WORKER_ENV.fds]
  if (fds === undefined || typeof process.send !== 'function') return undefined
  const fd = Number(fds.split(',')[0])
  return Number.isInteger(fd) && fd >= 3 ? fd : undefined
}

export function validateListen(options: unknown): ListenOptions {
  if (typeof options === 'number') return validateListen({ port: options })
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('listen(options)', 'a port or { port, host, backlog }', options)
  }
  const { port, host, backlog, ...rest } = options as Record<string, unknown>
  const extra = Object.keys(rest)[0]
  if (extra !== undefined) {
    throw new InvalidOptionError(
      `listen(options.${extra})`,
      'only port, host and backlog',
      'unknown key',
    )
  }
  if (
    port !== undefined &&
    (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65_535)
  ) {
    throw new InvalidOptionError('listen(options.port)', 'an integer from 0 to 65535', port)
  }
  if (host !== undefined && typeof host !== 'string') {
    throw new InvalidOptionError('listen(options.host)', 'a string', host)
  }
  if (backlog !== undefined && (!Number.isInteger(backlog) || (backlog as number) < 1)) {
    throw new InvalidOptionError('listen(options.backlog)', 'a positive integer', backlog)
  }
  return {
    port: port as number | undefined,
    host: host as string | undefined,
    backlog: backlog as number | undefined,
  }
}
