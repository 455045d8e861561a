// What the process knows of its lameduck handles beyond each handle itself: which server a handle
// drains (read by `lameduck run`'s preload, possibly from another copy of this package), who ends
// the process for a worker, and each handle's logger for the last flush before an exit.
import { InvalidOptionError } from './errors.js'
import type { Logger } from './logger.js'
import { assertHandle } from './options.js'
import type { AttachableServer } from './server-kind.js'
import { exitAfter } from './signals.js'
import type { Lameduck } from './types.js'

// On the server, so that `lameduck run`'s preload drains an app's server through the app's own
// handle (its hooks included) even when the two load different copies of this package.
const kAttached = Symbol.for('lameduck.attachedHandle')

interface Registration {
  readonly logger: Logger
  /** False with `signals: false`: the app ends the process. */
  readonly exits: boolean
}

const registrations = new WeakMap<Lameduck, Registration>()
const exitDelegates = new WeakMap<Lameduck, () => void>()

export function registerHandle(handle: Lameduck, logger: Logger, exits: boolean): void {
  registrations.set(handle, { logger, exits })
}

/** Whether a worker's drain ends the process: by lameduck's exit, or by a delegate. */
function endsProcess(handle: Lameduck): boolean {
  return registrations.get(handle)?.exits === true || exitDelegates.has(handle)
}

/**
 * Marks `server` as drained by `handle`. Whether the handle ends the process is decided when the
 * mark is read, so `delegateWorkerExit()` may come before or after `attach()`. A later handle
 * that does not end the process leaves an earlier one that does in place.
 */
export function markAttached(server: AttachableServer, handle: Lameduck): void {
  const earlier = Object.getOwnPropertyDescriptor(server, kAttached)
  Object.defineProperty(server, kAttached, {
    configurable: true,
    get: () => (endsProcess(handle) ? handle : (earlier?.get?.call(server) ?? earlier?.value)),
  })
}

/** The handle a server was attached to, if it is one that ends the process; for anything else none. */
export function attachedHandle(server: AttachableServer): Lameduck | undefined {
  if (typeof server !== 'object' || server === null) return undefined
  return (server as AttachableServer & { [kAttached]?: Lameduck })[kAttached]
}

/**
 * For a framework that ends the process itself once hooks of its own have run (NestJS's
 * `enableShutdownHooks()`): under `lameduck run`, once the supervisor's drain request has started
 * this handle's shutdown, `end()` is called instead of lameduck exiting, and it must end the
 * process. The preload then drains the app's server through this handle although it has
 * `signals: false`.
 */
export function delegateWorkerExit(handle: Lameduck, end: () => void): void {
  assertHandle('delegateWorkerExit(handle)', handle)
  if (typeof end !== 'function') {
    throw new InvalidOptionError('delegateWorkerExit(end)', 'a function', end)
  }
  exitDelegates.set(handle, end)
}

/**
 * Exits the process once the handle's shutdown (started now if it has not been) is done and its
 * logger flushed: 0 when clean, 1 otherwise, as after a signal. A handle made by another copy of
 * this package is waited for all the same; only its logger is not known here to be flushed.
 */
export function exitAfterShutdown(handle: Lameduck): void {
  assertHandle('exitAfterShutdown(handle)', handle)
  const logger = registrations.get(handle)?.logger
  exitAfter([handle.shutdown()], logger === undefined ? [] : [logger])
}

/**
 * Ends a worker of `lameduck run` whose shutdown has started: through its delegate, else by
 * exiting once drained, unless the app owns the exit (`signals: false`).
 */
export function endWorker(handle: Lameduck): void {
  const end = exitDelegates.get(handle)
  if (end !== undefined) end()
  else if (registrations.get(handle)?.exits === true) exitAfterShutdown(handle)
}
