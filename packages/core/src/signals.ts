// Process signals, and the one place where lameduck calls `process.exit` (after a signal, or when
// the `lameduck run` supervisor says so: see worker-protocol.ts).
import { constants } from 'node:os'
import type { Logger } from './logger.js'
import { SHUTDOWN_WAITS, type ShutdownSignal } from './options.js'
import { withTimeout } from './timeout.js'

/** What the signal module needs of a lameduck handle. */
export interface SignalTarget {
  readonly signals: readonly ShutdownSignal[]
  readonly logger: Logger
  /** Resolves with whether the shutdown was clean. */
  shutdown(reason: string, options?: { delay?: number }): Promise<{ ok: boolean }>
}

// Signals belong to the process, not to a handle, so this registry is process-wide: one listener
// per signal however many handles want it, and one exit once every handle has finished.
const targets = new Set<SignalTarget>()
const listeners = new Map<ShutdownSignal, () => void>()
let received: ShutdownSignal | undefined

/** Subscribes a handle to its signals; the returned function unsubscribes it. */
export function handleSignals(target: SignalTarget): () => void {
  targets.add(target)
  for (const signal of target.signals) listen(signal)
  return () => {
    targets.delete(target)
    for (const [signal, listener] of listeners) {
      if (![...targets].some((t) => t.signals.includes(signal))) {
        process.off(signal, listener)
        listeners.delete(signal)
      }
    }
  }
}

/** How many listeners of `signal` the process has that lameduck did not install. */
export function foreignListeners(signal: ShutdownSignal): number {
  const own = listeners.get(signal)
  return process.listeners(signal).filter((listener) => listener !== own).length
}

function listen(signal: ShutdownSignal): void {
  if (listeners.has(signal)) return
  const listener = () => onSignal(signal)
  listeners.set(signal, listener)
  process.on(signal, listener)
}

function onSignal(signal: ShutdownSignal): void {
  if (received !== undefined) {
    // A second signal means "now": the operator has stopped waiting for the drain.
    const code = 128 + constants.signals[signal]
    for (const target of targets) {
      target.logger.error(
        { signal, code },
        `lameduck: a second ${signal} during the drain: exiting ${code} now, open connections cut and remaining hooks not run`,
      )
    }
    process.exit(code)
  }
  received = signal
  const wanted = [...targets].filter((t) => t.signals.includes(signal))
  for (const target of wanted) target.logger.info({ signal }, 'lameduck: signal received')
  exitAfter(
    wanted.map((t) => t.shutdown(signal)),
    wanted.map((t) => t.logger),
  )
}

/** Exits once every shutdown is done and the loggers are flushed: 0 when all were clean, else 1. */
export function exitAfter(
  shutdowns: readonly Promise<{ ok: boolean }>[],
  loggers: readonly Logger[],
): void {
  Promise.all(shutdowns).then(async (results) => {
    await flush(loggers)
    process.exit(results.every((r) => r.ok) ? 0 : 1)
  })
}

function flush(loggers: readonly Logger[]): Promise<unknown> {
  const flushing = [...new Set(loggers)]
    .filter((logger) => typeof logger.flush === 'function')
    .map((logger) => new Promise<void>((resolve) => logger.flush!(() => resolve())))
  if (flushing.length === 0) return Promise.resolve()
  return withTimeout(() => Promise.all(flushing), SHUTDOWN_WAITS.flush)
}
