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
 * Loads the helper when it is installed and usable here, else undefined (plain close). It is
 * required synchronously, at attach time, so that a drain never waits for it.
 */
export function loadListenerGuard(logger: Logger): ListenerGuard | undefined {
  // Workers of node:cluster share the primary's socket, or hold none of their own.
  if (cluster.isWorker) return undefined
  let helper: ListenerGuard & { unavailable?: Error | undefined }
  try {
    helper = createRequire(import.meta.url)(GUARD_PACKAGE)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') {
      logger.warn({ err: error }, 'lameduck: @lameduck/syn-guard failed to load')
    }
    return undefined
  }
  if (helper.unavailable !== undefined) {
    logger.warn({ err: helper.unavailable }, 'lameduck: @lameduck/syn-guard cannot be used here')
    return undefined
  }
  return helper
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
