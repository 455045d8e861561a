// The two ways a process is told to stop, process signals and the `lameduck run` supervisor, and
// the one place where lameduck calls `process.exit`.
import { constants } from 'node:os'
import type { Logger } from './logger.js'
import type { ShutdownSignal } from './options.js'

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
    for (const target of targets) {
      target.logger.warn({ signal }, 'lameduck: second signal, exiting without waiting')
    }
    process.exit(128 + constants.signals[signal])
  }
  received = signal
  const wanted = [...targets].filter((t) => t.signals.includes(signal))
  for (const target of wanted) target.logger.info({ signal }, 'lameduck: signal received')
  Promise.all(wanted.map((t) => t.shutdown(signal))).then((results) => {
    process.exit(results.every((r) => r.ok) ? 0 : 1)
  })
}

/** What the supervisor sends a worker over IPC. */
interface SupervisorMessage {
  lameduck: 'drain'
  reason?: string
}

let following: SignalTarget | undefined

/**
 * A worker of `lameduck run` drains when its supervisor says so (a reload or a stop) or when the
 * supervisor is gone (the IPC channel closed), then exits: 0 when clean, 1 otherwise. A reload
 * needs no readiness delay, since the listening socket never stops being served.
 */
export function followSupervisor(target: SignalTarget): void {
  if (following !== undefined || typeof process.send !== 'function') return
  following = target
  const drainAndExit = (reason: string, delay?: number) => {
    const options = delay === undefined ? {} : { delay }
    target.shutdown(reason, options).then((report) => process.exit(report.ok ? 0 : 1))
  }
  process.on('message', (message: SupervisorMessage) => {
    if (message?.lameduck !== 'drain') return
    const reason = `supervisor: ${message.reason ?? 'drain'}`
    drainAndExit(reason, message.reason === 'reload' ? 0 : undefined)
  })
  process.on('disconnect', () => drainAndExit('supervisor gone'))
  // The channel alone must not keep a worker alive once its servers are closed.
  process.channel?.unref()
}
