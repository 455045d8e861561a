// The service manager's notification protocol (systemd's sd_notify): when `$NOTIFY_SOCKET` is
// set, the supervisor tells it when the service is ready, reloading, ready again (or rolled
// back), stopping, and hands it the listening sockets to keep across a restart (the fd store).
// Node has no Unix datagram sockets, so the datagrams go through the optional native helper
// (@lameduck/syn-guard's `notify`, prebuilt for linux-x64 and linux-arm64).
import { createRequire } from 'node:module'
import type { Logger } from '@lameduck/core'

type Send = (path: string, message: string, fds?: readonly number[]) => void

export interface ServiceManager {
  /** READY=1 with a STATUS=: the first generation serves, or a reload has ended either way. */
  ready(status: string): void
  /** RELOADING=1, stamped with CLOCK_MONOTONIC, and the time the reload may take at most. */
  reloading(status: string, boundMs: number): void
  /** STOPPING=1, and the time the drain may take at most. */
  stopping(status: string, boundMs: number): void
  /** Gives the service manager a copy of a listening socket to keep, under `name`. */
  store(name: string, fd: number): void
  /** Asks the service manager to close and forget the socket it keeps under `name`. */
  forget(name: string): void
}

/** systemd adds this to a timeout, in µs, from when it reads the message. */
function extend(ms: number): string {
  return `EXTEND_TIMEOUT_USEC=${Math.ceil(ms) * 1000}`
}

/**
 * The service manager named by `NOTIFY_SOCKET`; undefined when none is. When one is named but
 * the helper cannot be used, says so once through `logger` and returns undefined.
 */
export function serviceManager(
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): ServiceManager | undefined {
  const path = env.NOTIFY_SOCKET
  if (path === undefined || path === '') return undefined
  const send = loadSend()
  if (send instanceof Error) {
    logger.warn(
      { err: send, notifySocket: path },
      'lameduck: NOTIFY_SOCKET is set but @lameduck/syn-guard, which speaks to it, cannot be used: the service manager will not hear when lameduck is ready, reloading or stopping, nor keep its sockets',
    )
    return undefined
  }
  const notify = (lines: string[], fds?: readonly number[]) => {
    try {
      send(path, lines.join('\n'), fds)
    } catch (error) {
      logger.warn(
        { err: error, notifySocket: path, message: lines[0] },
        'lameduck: sd_notify failed',
      )
    }
  }
  return {
    ready: (status) => notify(['READY=1', `STATUS=${status}`]),
    reloading: (status, boundMs) =>
      notify([
        'RELOADING=1',
        // CLOCK_MONOTONIC, as systemd wants it: process.hrtime reads that clock on Linux.
        `MONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`,
        `STATUS=${status}`,
        extend(boundMs),
      ]),
    stopping: (status, boundMs) => notify(['STOPPING=1', `STATUS=${status}`, extend(boundMs)]),
    store: (name, fd) => notify(['FDSTORE=1', `FDNAME=${name}`], [fd]),
    forget: (name) => notify(['FDSTOREREMOVE=1', `FDNAME=${name}`]),
  }
}

function loadSend(): Send | Error {
  try {
    const helper = createRequire(import.meta.url)('@lameduck/syn-guard') as {
      notify?: Send
      unavailable?: Error
    }
    if (helper.unavailable !== undefined) return helper.unavailable
    if (typeof helper.notify !== 'function') {
      return new Error('this @lameduck/syn-guard has no notify(): upgrade it')
    }
    return helper.notify
  } catch (error) {
    return error as Error
  }
}
