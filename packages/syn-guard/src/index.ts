import { createRequire } from 'node:module'

interface Addon {
  dropNewHandshakes(fd: number): void
  pendingConnections(fd: number): number
}

function load(): Addon | Error {
  if (process.platform !== 'linux') return new Error('@lameduck/syn-guard works on Linux only')
  try {
    const require = createRequire(import.meta.url)
    return require(`../prebuilds/${process.platform}-${process.arch}/syn_guard.node`) as Addon
  } catch (error) {
    return new Error('@lameduck/syn-guard: the addon is not built for this platform', {
      cause: error,
    })
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
  loaded().dropNewHandshakes(fd)
}

/**
 * Connections that closing the listening socket `fd` now would reset: completed ones waiting in
 * its accept queue, else handshakes in progress towards its port.
 */
export function pendingConnections(fd: number): number {
  return loaded().pendingConnections(fd)
}
