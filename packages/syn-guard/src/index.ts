import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

interface Addon {
  dropNewHandshakes(fd: number): void
  pendingConnections(fd: number): number
  notify(path: string, message: string, fds?: readonly number[]): void
}

/**
 * Where the addon may be, in order: the prebuild for this architecture (built without a C
 * library, it loads on glibc and musl alike), else the one built from source at install.
 */
const BINARIES = [
  `../prebuilds/linux-${process.arch}/syn_guard.node`,
  '../build/Release/syn_guard.node',
]

function load(): Addon | Error {
  if (process.platform !== 'linux') return new Error('@lameduck/syn-guard works on Linux only')
  const requireAddon = createRequire(import.meta.url)
  const failures: string[] = []
  for (const binary of BINARIES) {
    const path = fileURLToPath(new URL(binary, import.meta.url))
    if (!existsSync(path)) continue
    try {
      return requireAddon(path) as Addon
    } catch (error) {
      failures.push(`${path}: ${(error as Error).message}`)
    }
  }
  if (failures.length > 0) {
    return new Error(
      `@lameduck/syn-guard: the addon did not load on linux-${process.arch}: ${failures.join('; ')}`,
    )
  }
  return new Error(
    `@lameduck/syn-guard: no addon for linux-${process.arch} (no prebuild for it, and the build at install failed or did not run: see the install log, or run \`npm rebuild @lameduck/syn-guard\`)`,
  )
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

/**
 * Sends `message` as one datagram to the AF_UNIX socket at `path` (absolute, or `@name` in the
 * abstract namespace), with the file descriptors `fds` attached (SCM_RIGHTS): the service
 * manager's notification protocol (`sd_notify`, `$NOTIFY_SOCKET`), which Node cannot speak.
 * Throws a system error (`code`, `errno`, `syscall`) when the datagram cannot be sent.
 */
export function notify(path: string, message: string, fds: readonly number[] = []): void {
  loaded().notify(path, message, fds)
}
