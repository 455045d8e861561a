import { createRequire } from 'node:module'

interface Addon {
  dropNewHandshakes(fd: number): void
  pendingConnections(fd: number): number
}

// Errors carry @lameduck/core's brand and class name, so `instanceof InvalidOptionError` (or
// `UnsupportedError`, `LameduckError`) from core recognises them, as it does a second copy's;
// this package cannot import core, which depends on it.
const kLameduckError = Symbol.for('lameduck.error')

function lameduckError<E extends Error>(
  error: E,
  name: 'InvalidOptionError' | 'UnsupportedError',
  fields: Record<string, unknown>,
): E {
  error.name = name
  Object.defineProperty(error, kLameduckError, { value: true })
  const code =
    name === 'InvalidOptionError' ? 'LAMEDUCK_ERR_INVALID_OPTION' : 'LAMEDUCK_ERR_UNSUPPORTED'
  return Object.assign(error, { code, ...fields })
}

function unsupported(missing: string, cause?: unknown): Error {
  const runtime = `Linux (${process.platform} ${process.arch})`
  const error = new Error(`lameduck needs ${missing}, which ${runtime} does not provide`, { cause })
  return lameduckError(error, 'UnsupportedError', { missing, runtime })
}

/** Each function's `fd`: a TypeError too, as it was before being branded. */
function assertFd(call: string, fd: unknown): void {
  if (typeof fd === 'number' && Number.isInteger(fd) && fd >= 0) return
  const expected = 'a file descriptor (a non-negative integer)'
  const error = new TypeError(
    `Invalid option "${call}(fd)": expected ${expected}, received ${String(fd)}`,
  )
  throw lameduckError(error, 'InvalidOptionError', {
    option: `${call}(fd)`,
    expected,
    received: fd,
  })
}

/** The addon's own errors: a socket it must not touch, or a system call that failed. */
function mapped(call: string, fd: number, error: unknown): Error {
  if ((error as { code?: unknown }).code === 'ENOTLISTENING') {
    const expected = 'a listening TCP socket'
    const message = `Invalid option "${call}(fd)": the fd is not a listening TCP socket (fd ${fd})`
    return lameduckError(new Error(message, { cause: error }), 'InvalidOptionError', {
      option: `${call}(fd)`,
      expected,
      received: fd,
    })
  }
  return unsupported(`${call}(): ${(error as Error).message}`, error)
}

function load(): Addon | Error {
  if (process.platform !== 'linux') return unsupported('@lameduck/syn-guard (Linux only)')
  try {
    const require = createRequire(import.meta.url)
    return require(`../prebuilds/${process.platform}-${process.arch}/syn_guard.node`) as Addon
  } catch (error) {
    return unsupported('the @lameduck/syn-guard addon, built for this platform', error)
  }
}

const addon = load()

/** Why the helper cannot be used here (not Linux, addon not built), or `undefined` when it can. */
export const unavailable: Error | undefined = addon instanceof Error ? addon : undefined

function loaded(): Addon {
  if (addon instanceof Error) throw addon
  return addon
}

/**
 * Attaches a socket filter to the listening socket `fd` that drops every pure SYN: handshakes
 * already under way still complete and queue, a new client's SYN goes unanswered and is
 * retransmitted (after about 1 s), by then into a closed port, where it is refused.
 * The filter stays for the socket's life: use it only on a listener about to close, and never
 * on one another process shares.
 */
export function dropNewHandshakes(fd: number): void {
  assertFd('dropNewHandshakes', fd)
  const addon = loaded()
  try {
    addon.dropNewHandshakes(fd)
  } catch (error) {
    throw mapped('dropNewHandshakes', fd, error)
  }
}

/**
 * Connections that closing the listening socket `fd` now would reset: completed ones waiting in
 * its accept queue, else handshakes in progress towards its port.
 */
export function pendingConnections(fd: number): number {
  assertFd('pendingConnections', fd)
  const addon = loaded()
  try {
    return addon.pendingConnections(fd)
  } catch (error) {
    throw mapped('pendingConnections', fd, error)
  }
}
