import cluster from 'node:cluster'
import { createRequire } from 'node:module'
import { Server as NetServer } from 'node:net'
import type { Logger } from './logger.js'
import { ownListenerFd } from './node-internals.js'

/**
 * What lameduck uses of the optional `@lameduck/syn-guard` (Linux): closing a listening socket
 * resets the connections the kernel completed that the process has not accepted yet, after the
 * client may have sent its request. The helper stops new handshakes first, so the accept queue
 * can empty before the close.
 */
export interface ListenerGuard {
  dropNewHandshakes(fd: number): void
  pendingConnections(fd: number): number
}

/** Resolved from this package's location, so that an app that installed it is found. */
const GUARD_PACKAGE = '@lameduck/syn-guard'

/** How long the accept queue may take to empty; past it the listener closes anyway. */
const QUEUE_WAIT = 1_000

/**
 * The helper for one handle: loaded at the first attach(), synchronously, so that a drain never
 * waits for it. Installed but unusable here (no binary for this platform, one that does not
 * load), it is told once, through the logger and in the shutdown report, as soon as a listener
 * it was wanted for is seen: on Linux, one this process bound itself.
 */
export interface ListenerGuardSeeker {
  /** The helper, once an attach() has loaded it and it is usable. */
  readonly guard: ListenerGuard | undefined
  /** Why the helper was wanted for a listener and not used; undefined while it was not. */
  readonly unavailable: string | undefined
  /** Loads the helper at the first call, and tells when it is wanted for `server` and unusable. */
  attached(server: NetServer): void
}

export function seekListenerGuard(logger: Logger): ListenerGuardSeeker {
  let sought = false
  let guard: ListenerGuard | undefined
  let failure: Error | undefined
  let unavailable: string | undefined
  const wanted = (server: NetServer) => {
    if (failure === undefined || unavailable !== undefined || ownListenerFd(server) === undefined) {
      return
    }
    unavailable = failure.message
    logger.warn(
      { err: failure },
      'lameduck: @lameduck/syn-guard is installed but cannot be used here; listeners close the plain way, resetting connections still in their accept queue',
    )
  }
  return {
    get guard() {
      return guard
    },
    get unavailable() {
      return unavailable
    },
    attached(server) {
      if (!sought) {
        sought = true
        const loaded = loadListenerGuard()
        if (loaded instanceof Error) failure = loaded
        else guard = loaded
      }
      if (failure === undefined) return
      if (server.listening) wanted(server)
      else server.once('listening', () => wanted(server))
    },
  }
}

/**
 * The helper when it is installed and usable here; the Error saying why when it is installed
 * and is not; undefined when it is not installed, or where it is not for (not Linux, or a
 * node:cluster worker, which shares the primary's socket or holds none of its own).
 */
function loadListenerGuard(): ListenerGuard | Error | undefined {
  if (cluster.isWorker || process.platform !== 'linux') return undefined
  let helper: ListenerGuard & { unavailable?: Error | undefined }
  try {
    helper = createRequire(import.meta.url)(GUARD_PACKAGE)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined
    return error instanceof Error ? error : new Error(String(error))
  }
  return helper.unavailable ?? helper
}

/**
 * Stops the server accepting, then calls `onClosed` once its last connection has ended, as
 * `net.Server.close` does. With the guard, on a socket this process bound: new SYNs are dropped
 * at once, the queued connections are accepted (libuv takes them on the next turns of the
 * event loop), and the socket closes when none is left. Returns a function that closes at once.
 */
export function closeListener(
  server: NetServer,
  guard: ListenerGuard | undefined,
  onClosed: () => void,
): () => void {
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    if (server.listening) NetServer.prototype.close.call(server, onClosed)
    else server.once('close', onClosed)
  }
  const fd = guard === undefined ? undefined : ownListenerFd(server)
  if (guard === undefined || fd === undefined) {
    close()
    return close
  }
  try {
    guard.dropNewHandshakes(fd)
  } catch {
    close()
    return close
  }
  const giveUpAt = performance.now() + QUEUE_WAIT
  const closeOnceEmpty = () => {
    if (closed) return
    let pending = 0
    try {
      if (server.listening) pending = guard.pendingConnections(fd)
    } catch {
      pending = 0
    }
    if (pending === 0 || performance.now() >= giveUpAt) close()
    else setImmediate(closeOnceEmpty)
  }
  // After the poll phase, so that what the kernel had queued is seen accepted, not counted.
  setImmediate(closeOnceEmpty)
  return close
}
