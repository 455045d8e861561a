// What a worker of `lameduck run` and its supervisor say to each other, in one place: the
// environment a worker is started with, the messages on the IPC channel, and the worker's side of
// it (`ld.listen()` and following the supervisor). The supervisor's side is @lameduck/reload.
import { Server as TLSServer } from 'node:tls'
import { InvalidOptionError, ListenError } from './errors.js'
import type { CheckResult, Readiness } from './health.js'
import type { Logger } from './logger.js'
import { validateCallOptions } from './options.js'
import type { AttachableServer } from './server-kind.js'
import type { ListenOptions } from './types.js'

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

/** The `lameduck` field of every message on the channel, in either direction. */
export const WORKER_MESSAGE = Object.freeze({
  /** Worker to supervisor: listening, and every readiness check passed. */
  ready: 'ready',
  /** Worker to supervisor: listening, but a readiness check failed. */
  failed: 'failed',
  /** Supervisor to worker: drain and exit. */
  drain: 'drain',
  /** Worker to supervisor, on a reload's drain: its listener is closed, it accepts no more. */
  closed: 'closed',
  /** Worker to supervisor: this worker would run the singleton `name` (see singletons.ts). */
  acquire: 'acquire',
  /** Supervisor to worker: the singleton `name` is this worker's to run, and no one else's. */
  granted: 'granted',
  /** Worker to supervisor: the singleton `name` has stopped here, or was not wanted any more. */
  release: 'release',
} as const)

/** What a worker reports once it listens. */
export interface WorkerReport {
  lameduck: typeof WORKER_MESSAGE.ready | typeof WORKER_MESSAGE.failed
  pid: number
  checks: Record<string, CheckResult>
}

/** What the supervisor tells a worker: a reload drains without the readiness delay. */
export interface DrainRequest {
  lameduck: typeof WORKER_MESSAGE.drain
  reason: 'reload' | 'stop'
}

/** A reload's drained worker accepts no more connections; its drain goes on. */
export interface ListenerClosed {
  lameduck: typeof WORKER_MESSAGE.closed
}

/** The lease on one singleton, asked for, handed out or given back. */
export interface LeaseMessage {
  lameduck:
    | typeof WORKER_MESSAGE.acquire
    | typeof WORKER_MESSAGE.granted
    | typeof WORKER_MESSAGE.release
  name: string
}

/** PM2's `wait_ready` waits for this exact message. */
const PM2_READY = 'ready'

export function isWorkerReport(message: unknown): message is WorkerReport {
  const kind = (message as { lameduck?: unknown } | null)?.lameduck
  return kind === WORKER_MESSAGE.ready || kind === WORKER_MESSAGE.failed
}

export function isDrainRequest(message: unknown): message is DrainRequest {
  return (message as { lameduck?: unknown } | null)?.lameduck === WORKER_MESSAGE.drain
}

export function isListenerClosed(message: unknown): message is ListenerClosed {
  return (message as { lameduck?: unknown } | null)?.lameduck === WORKER_MESSAGE.closed
}

export function isLeaseMessage(message: unknown): message is LeaseMessage {
  const { lameduck: kind, name } = (message ?? {}) as { lameduck?: unknown; name?: unknown }
  return (
    (kind === WORKER_MESSAGE.acquire ||
      kind === WORKER_MESSAGE.granted ||
      kind === WORKER_MESSAGE.release) &&
    typeof name === 'string'
  )
}

/**
 * The TLS session-ticket keys `lameduck run` shares across generations, so sessions resume
 * across a reload instead of a full handshake on every reconnection.
 */
function inheritedTicketKeys(): Buffer | undefined {
  const keys = process.env[WORKER_ENV.ticketKeys]
  if (keys === undefined || inheritedFd() === undefined) return undefined
  const buffer = Buffer.from(keys, 'base64')
  return buffer.length === 48 ? buffer : undefined
}

/** Whether this process is a worker of `lameduck run`: started with its sockets and an IPC channel. */
export function isSupervisedWorker(): boolean {
  return process.env[WORKER_ENV.fds] !== undefined && typeof process.send === 'function'
}

/** The socket `lameduck run` handed over, when this process is one of its workers. */
function inheritedFd(): number | undefined {
  if (!isSupervisedWorker()) return undefined
  const fd = Number(process.env[WORKER_ENV.fds]!.split(',')[0])
  return Number.isInteger(fd) && fd >= 3 ? fd : undefined
}

/** What `ld.listen()` needs of its handle. */
export interface WorkerTarget {
  readonly logger: Logger
  /** Attaches the server unless it already is. */
  attach(server: AttachableServer): void
  checkReadiness(): Promise<Readiness>
  /** Starts the shutdown the supervisor asked for, and the exit that follows it (see lameduck.ts). */
  stop(reason: string, options: { delay?: number }): void
}

/**
 * Listens on the inherited socket under `lameduck run`, else on `port`; then reports readiness to
 * a parent process and, under `lameduck run`, follows the supervisor.
 */
export async function listenAsWorker(
  target: WorkerTarget,
  server: AttachableServer,
  options: unknown,
): Promise<void> {
  const { port, host, backlog } = validateListen(options)
  const fd = inheritedFd()
  if (fd === undefined && port === undefined) {
    throw new InvalidOptionError('listen(options.port)', 'a port (not under lameduck run)', port)
  }
  target.attach(server)
  const ticketKeys = inheritedTicketKeys()
  if (ticketKeys !== undefined && server instanceof TLSServer) server.setTicketKeys(ticketKeys)
  const address = fd === undefined ? `${host ?? ''}:${port}` : `fd ${fd}`
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) =>
      reject(
        new ListenError(address, `Cannot listen on ${address}: ${error.message}`, { cause: error }),
      )
    server.once('error', failed)
    const done = () => {
      server.off('error', failed)
      resolve()
    }
    if (fd !== undefined) server.listen({ fd, backlog }, done)
    else server.listen({ port, host, backlog }, done)
  })
  const readiness = await target.checkReadiness()
  const report: WorkerReport = {
    lameduck: readiness.ready ? WORKER_MESSAGE.ready : WORKER_MESSAGE.failed,
    pid: process.pid,
    checks: readiness.checks,
  }
  sendToParent(report)
  if (readiness.ready) sendToParent(PM2_READY)
  if (fd !== undefined) followSupervisor(target)
}

/**
 * Sends `message` to the parent process, if there is one and it is still there. Without a
 * callback, a send on a channel that closed (the parent died, even between two sends: once it has
 * read the first, nothing keeps it alive until the second) is an 'error' event on `process`, which
 * kills the worker before it could drain. A parent that is gone is handled by 'disconnect'.
 */
export function sendToParent(
  message: WorkerReport | ListenerClosed | LeaseMessage | typeof PM2_READY,
): void {
  if (process.connected) process.send?.(message, undefined, undefined, () => {})
}

let following: WorkerTarget | undefined

/**
 * A worker of `lameduck run` drains when its supervisor says so (a reload or a stop) or when the
 * supervisor is gone (the IPC channel closed). A reload needs no readiness delay, since the
 * listening socket never stops being served.
 */
function followSupervisor(target: WorkerTarget): void {
  if (following !== undefined || typeof process.send !== 'function') return
  following = target
  const drain = (reason: string, delay?: number) =>
    target.stop(reason, delay === undefined ? {} : { delay })
  process.on('message', (message: unknown) => {
    if (!isDrainRequest(message)) return
    if (message.reason === 'reload') {
      // With no delay the listener closes as the drain starts (a socket from an fd closes at
      // once), so the supervisor can say the reload is done: later connections reach new code.
      drain('supervisor: reload', 0)
      sendToParent({ lameduck: WORKER_MESSAGE.closed })
    } else drain(`supervisor: ${message.reason}`)
  })
  // A supervisor that died while this worker was starting is gone before there is anyone to tell.
  if (!process.connected) {
    drain('supervisor gone')
    return
  }
  process.on('disconnect', () => drain('supervisor gone'))
  // The channel alone must not keep a worker alive once its servers are closed.
  process.channel?.unref()
}

function validateListen(options: unknown): ListenOptions {
  if (typeof options === 'number') return validateListen({ port: options })
  const expected = 'a port or { port, host, backlog }'
  // Required: with none, there would be nowhere to listen outside `lameduck run`.
  if (options === undefined) throw new InvalidOptionError('listen(options)', expected, options)
  const { port, host, backlog } = validateCallOptions(
    'listen',
    options,
    ['port', 'host', 'backlog'],
    expected,
  )
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
