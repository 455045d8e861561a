import { Server as HttpServer } from 'node:http'
import { Server as HttpsServer } from 'node:https'
import { type AttachableServer, type ConnectionTracker, trackConnections } from './connections.js'
import { phaseChannel, reportChannel } from './diagnostics.js'
import { InvalidOptionError, InvalidStateError } from './errors.js'
import { failureLine } from './failure-line.js'
import {
  checkReadiness,
  livenessReply,
  type Readiness,
  type ReadinessCheck,
  type RequestHandler,
  readinessReply,
  type State,
  sendReply,
} from './health.js'
import { type Hook, type HookResult, runHooks } from './hooks.js'
import { isHttp2Server } from './http2.js'
import { type ListenerGuard, loadListenerGuard } from './listener.js'
import { guardLogger, type Logger } from './logger.js'
import {
  type LameduckOptions,
  SHUTDOWN_WAITS,
  validateDuration,
  validateOptions,
} from './options.js'
import { exitAfter, foreignListeners, handleSignals } from './signals.js'
import { assertSupported, featuresOf } from './support.js'
import { type ListenOptions, listenAsWorker } from './worker-protocol.js'

export type { State } from './health.js'

export interface ShutdownReport {
  /** What started the shutdown: a signal name, or the reason given to `shutdown()`. */
  reason: string
  /** True when nothing was forced and every hook succeeded. */
  ok: boolean
  /** Ms spent in each phase. */
  durations: { delay: number; drain: number; hooks: number; total: number }
  requests: {
    /** Responses completed after the listener closed. */
    drained: number
    /** Requests cut off at the deadline. */
    forced: number
  }
  sockets: {
    /** Keep-alive sockets closed after `idleGrace` without a request. */
    idleClosed: number
    /** Sockets destroyed at the deadline (upgraded ones included). */
    forced: number
    /** Upgraded sockets (WebSocket, ...) destroyed at the deadline. */
    forcedUpgraded: number
  }
  hooks: HookResult[]
}

export interface Lameduck {
  /** `'serving'`, then `'draining'` from the moment `shutdown()` starts, then `'closed'`. */
  readonly state: State
  /** Aborted when draining starts: hand it to long work so it can finish early. */
  readonly signal: AbortSignal
  /** Drains this `node:http`, `node:https` or `node:http2` server on shutdown; one handle may own several. */
  attach(server: AttachableServer): this
  /** Registers a cleanup hook; hooks run after the drain, last registered first. */
  onShutdown(name: string, fn: () => unknown, options?: { timeout?: number }): this
  /** Adds a check to readiness, e.g. a database ping; checks run concurrently. */
  addReadinessCheck(name: string, fn: () => unknown, options?: { timeout?: number }): this
  /**
   * Evaluates readiness: not ready once the shutdown starts (with `readinessFailsAt: 'close'`,
   * once the listener closes), or when a check fails or times out.
   */
  checkReadiness(): Promise<Readiness>
  /** Request handler for liveness: 200 while the process runs, draining included. */
  readonly health: RequestHandler
  /** Request handler for readiness: 200 when ready, else 503 (with the failing checks, if any). */
  readonly readiness: RequestHandler
  /**
   * Ends a long response (server-sent events, a stream) when the drain starts: `finish(res)` runs
   * once, by default `res.end()`, so the client sees a clean end rather than a cut at the
   * deadline. Cancelled when the response closes first; the returned function cancels it too.
   * Responses not given to `endOnDrain` are left to finish on their own, until the deadline.
   */
  endOnDrain<R extends EndableResponse>(res: R, finish?: (res: R) => void): () => void
  /**
   * Attaches the server (if it is not yet) and listens: on the socket `lameduck run` handed over
   * when this process is one of its workers, else on `port`. Once listening and ready (readiness
   * checks pass) it tells a parent process over IPC: `{ lameduck: 'ready' }` for `lameduck run`,
   * `'ready'` for PM2's `wait_ready`. Under `lameduck run` the worker then drains and exits when
   * the supervisor says so or is gone; with `signals: false` it drains and the app exits.
   */
  listen(server: AttachableServer, options: ListenOptions | number): Promise<void>
  /**
   * Starts the shutdown; every call returns the same promise, which never rejects. `delay`
   * overrides the configured one for this shutdown (a reload needs none).
   */
  shutdown(reason?: string, options?: { delay?: number }): Promise<ShutdownReport>
}

/** What `endOnDrain` needs of a response: node:http's and node:http2's both fit. */
export interface EndableResponse {
  end(): unknown
  once(event: 'close', listener: () => void): unknown
  off(event: 'close', listener: () => void): unknown
}

// On the server, so that `lameduck run`'s preload drains an app's server through the app's own
// handle (its hooks included) even when the two load different copies of this package. Only a
// handle that ends the process: with `signals: false` and no delegate nobody would end the worker.
const kAttached = Symbol.for('lameduck.attachedHandle')

/** The handle a server was attached to, if it was one that ends the process. */
export function attachedHandle(server: AttachableServer): Lameduck | undefined {
  return (server as AttachableServer & { [kAttached]?: Lameduck })[kAttached]
}

const exitDelegates = new WeakMap<Lameduck, () => void>()
const loggers = new WeakMap<Lameduck, Logger>()

/**
 * For a framework that ends the process itself once hooks of its own have run (NestJS's
 * `enableShutdownHooks()`): under `lameduck run`, once the supervisor's drain request has started
 * this handle's shutdown, `end()` is called instead of lameduck exiting, and it must end the
 * process. The preload then drains the app's server through this handle although it has
 * `signals: false`. Call it before `attach()`.
 */
export function delegateWorkerExit(handle: Lameduck, end: () => void): void {
  if (typeof end !== 'function') {
    throw new InvalidOptionError('delegateWorkerExit(end)', 'a function', end)
  }
  exitDelegates.set(handle, end)
}

/**
 * Exits the process once the handle's shutdown (started now if it has not been) is done and its
 * logger flushed: 0 when clean, 1 otherwise, as after a signal.
 */
export function exitAfterShutdown(handle: Lameduck): void {
  exitAfter([handle.shutdown()], [loggers.get(handle)!])
}

/** Creates a handle that drains the servers attached to it; options are validated here. */
export function lameduck(options?: LameduckOptions): Lameduck {
  const config = validateOptions(options)
  const logger = guardLogger(config.logger)
  const controller = new AbortController()
  const trackers = new Map<AttachableServer, ConnectionTracker>()
  const hooks: Hook[] = []
  const checks: ReadinessCheck[] = []
  let state: State = 'serving'
  // Readiness fails at the start of the shutdown or, with `readinessFailsAt: 'close'`, when the
  // listener closes.
  let readinessFailing = false
  const failing = () => readinessFailing
  let warnedForeign = false
  let shutdownPromise: Promise<ShutdownReport> | undefined
  let onDrained: (() => void) | undefined
  // Looked for at the first attach (see listener.ts).
  let guardSought = false
  let guard: ListenerGuard | undefined

  const getState = () => state

  function onTrackerDrained(): void {
    if (onDrained !== undefined && [...trackers.values()].every((t) => t.drained)) onDrained()
  }

  function named(method: string, name: unknown, fn: unknown): void {
    if (typeof name !== 'string' || name === '') {
      throw new InvalidOptionError(`${method}(name)`, 'a non-empty string', name)
    }
    if (typeof fn !== 'function') throw new InvalidOptionError(`${method}(fn)`, 'a function', fn)
  }

  function timeoutOf(method: string, options: unknown, fallback: number): number {
    if (options === undefined) return fallback
    if (typeof options !== 'object' || options === null) {
      throw new InvalidOptionError(`${method}(options)`, 'an object', options)
    }
    const extra = Object.keys(options).filter((key) => key !== 'timeout')
    if (extra.length > 0) {
      throw new InvalidOptionError(`${method}(options)`, 'only the key "timeout"', extra[0])
    }
    const { timeout } = options as { timeout?: unknown }
    return timeout === undefined
      ? fallback
      : validateDuration(`${method}(options.timeout)`, timeout, 1)
  }

  // Another SIGTERM handler (an SDK's, the app's own) often calls process.exit and cuts the drain
  // short; say so once, where the user wires lameduck up.
  function warnForeignListeners(): void {
    if (warnedForeign || !config.foreignSignalWarning || config.signals === false) return
    const foreign = config.signals.filter((signal) => foreignListeners(signal) > 0)
    if (foreign.length === 0) return
    warnedForeign = true
    logger.warn(
      { signals: foreign },
      `lameduck: another ${foreign.join('/')} listener is installed; if it exits the process, the drain is cut short (foreignSignalWarning: false silences this)`,
    )
  }

  function phase(name: string, reason: string, started: number): void {
    const elapsed = Math.round(performance.now() - started)
    if (phaseChannel.hasSubscribers) phaseChannel.publish({ phase: name, reason, elapsed })
    logger.debug({ phase: name, elapsed }, `lameduck: ${name}`)
  }

  async function run(reason: string, delay: number): Promise<ShutdownReport> {
    const started = performance.now()
    const deadline = started + config.timeout
    state = 'draining'
    if (config.readinessFailsAt === 'shutdown') readinessFailing = true
    controller.abort()
    logger.info({ reason, servers: trackers.size }, 'lameduck: draining')
    phase('draining', reason, started)

    if (delay > 0) {
      phase('delay', reason, started)
      // A plain (referenced) timer: the process must not exit halfway through its own shutdown.
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
    const drainStarted = performance.now()
    readinessFailing = true
    phase('drain', reason, started)
    const drained = new Promise<void>((resolve) => {
      onDrained = resolve
    })
    for (const tracker of trackers.values()) tracker.drain(config.idleGrace, guard)
    onTrackerDrained()
    let deadlineTimer: NodeJS.Timeout | undefined
    const deadlineHit = new Promise<'deadline'>((resolve) => {
      deadlineTimer = setTimeout(() => resolve('deadline'), Math.max(0, deadline - drainStarted))
    })
    if ((await Promise.race([drained, deadlineHit])) === 'deadline') {
      for (const tracker of trackers.values()) tracker.destroyAll()
      // Destroyed sockets close within a tick or two; the bound is for a socket Node handed to
      // the app in a way lameduck cannot see, which must not hold the shutdown forever.
      let waitTimer: NodeJS.Timeout | undefined
      const settled = await Promise.race([
        drained.then(() => true),
        new Promise<false>((resolve) => {
          waitTimer = setTimeout(resolve, SHUTDOWN_WAITS.forcedClose, false)
        }),
      ])
      clearTimeout(waitTimer)
      if (!settled) logger.warn({}, 'lameduck: connections still open after the deadline')
    }
    clearTimeout(deadlineTimer)
    for (const tracker of trackers.values()) tracker.release()
    const hooksStarted = performance.now()
    phase('hooks', reason, started)
    const hookResults = await runHooks(hooks, logger)
    const finished = performance.now()

    const report = buildReport(reason, hookResults, {
      delay: drainStarted - started,
      drain: hooksStarted - drainStarted,
      hooks: finished - hooksStarted,
      total: finished - started,
    })
    state = 'closed'
    unsubscribeSignals()
    phase('closed', reason, started)
    if (reportChannel.hasSubscribers) reportChannel.publish(report)
    if (report.ok) logger.info({ report }, 'lameduck: shutdown complete')
    else logger.error({ report }, failureLine(report))
    return report
  }

  function buildReport(
    reason: string,
    hookResults: HookResult[],
    ms: ShutdownReport['durations'],
  ): ShutdownReport {
    const sum = (key: keyof ConnectionTracker['counts']) =>
      [...trackers.values()].reduce((total, t) => total + t.counts[key], 0)
    const report: ShutdownReport = {
      reason,
      ok: sum('forced') === 0 && hookResults.every((h) => h.status === 'ok'),
      durations: {
        delay: Math.round(ms.delay),
        drain: Math.round(ms.drain),
        hooks: Math.round(ms.hooks),
        total: Math.round(ms.total),
      },
      requests: { drained: sum('requests'), forced: sum('forcedRequests') },
      sockets: {
        idleClosed: sum('idleClosed'),
        forced: sum('forced'),
        forcedUpgraded: sum('forcedUpgraded'),
      },
      hooks: hookResults,
    }
    return report
  }

  const handle: Lameduck = {
    get state() {
      return state
    },
    signal: controller.signal,
    attach(server) {
      const candidate: unknown = server
      if (
        !(candidate instanceof HttpServer || candidate instanceof HttpsServer) &&
        !isHttp2Server(candidate)
      ) {
        throw new InvalidOptionError(
          'attach(server)',
          'a node:http, node:https or node:http2 server',
          server,
        )
      }
      if (state !== 'serving') {
        throw new InvalidStateError(
          `attach() called while ${state}: attach servers before shutdown`,
        )
      }
      if (trackers.has(server)) {
        throw new InvalidStateError('attach() called twice with the same server')
      }
      assertSupported(featuresOf(server))
      trackers.set(server, trackConnections(server, onTrackerDrained))
      if (config.signals !== false || exitDelegates.has(handle)) {
        Object.defineProperty(server, kAttached, { value: handle, configurable: true })
      }
      warnForeignListeners()
      if (config.synGuard && !guardSought) {
        guardSought = true
        guard = loadListenerGuard(logger)
      }
      return handle
    },
    onShutdown(name, fn, opts) {
      named('onShutdown', name, fn)
      const timeout = timeoutOf('onShutdown', opts, config.hookTimeout)
      if (state !== 'serving') {
        throw new InvalidStateError(`onShutdown() called while ${state}: the hooks have been read`)
      }
      hooks.push({ name, fn, timeout })
      return handle
    },
    addReadinessCheck(name, fn, opts) {
      named('addReadinessCheck', name, fn)
      checks.push({ name, fn, timeout: timeoutOf('addReadinessCheck', opts, config.checkTimeout) })
      return handle
    },
    checkReadiness: () => checkReadiness(getState, checks, failing),
    health(_req, res) {
      sendReply(res, livenessReply(state))
    },
    readiness(_req, res) {
      // Answered without awaiting anything once failing, so the flip is seen at once.
      if (readinessFailing) sendReply(res, readinessReply({ ready: false, state, checks: {} }))
      else
        checkReadiness(getState, checks, failing).then((result) =>
          sendReply(res, readinessReply(result)),
        )
    },
    endOnDrain(res, finish = (response) => response.end()) {
      if (typeof finish !== 'function') {
        throw new InvalidOptionError('endOnDrain(finish)', 'a function', finish)
      }
      const { signal } = controller
      const cancel = () => {
        signal.removeEventListener('abort', onDrain)
        res.off('close', cancel)
      }
      const onDrain = () => {
        cancel()
        finish(res)
      }
      if (signal.aborted) {
        finish(res)
        return () => {}
      }
      signal.addEventListener('abort', onDrain)
      res.once('close', cancel)
      return cancel
    },
    listen(server, options) {
      return listenAsWorker(
        {
          logger,
          attach: (s) => {
            if (!trackers.has(s)) handle.attach(s)
          },
          checkReadiness: () => checkReadiness(getState, checks),
          stop: (reason, o) => {
            const done = handle.shutdown(reason, o)
            const end = exitDelegates.get(handle)
            if (end !== undefined) end()
            // With `signals: false` the app ends the process.
            else if (config.signals !== false) exitAfter([done], [logger])
          },
        },
        server,
        options,
      )
    },
    shutdown(reason = 'shutdown()', options = {}) {
      if (typeof reason !== 'string') {
        throw new InvalidOptionError('shutdown(reason)', 'a string', reason)
      }
      const delay =
        options.delay === undefined
          ? config.delay
          : validateDuration('shutdown(options.delay)', options.delay, 0)
      if (shutdownPromise === undefined) {
        // Assigned before run() starts: it aborts `signal` synchronously, and a listener calling
        // shutdown() must get this promise rather than start a second shutdown.
        let start: (report: Promise<ShutdownReport>) => void = () => {}
        shutdownPromise = new Promise((resolve) => {
          start = resolve
        })
        start(run(reason, delay))
      }
      return shutdownPromise
    },
  }

  const unsubscribeSignals =
    config.signals === false
      ? () => {}
      : handleSignals({
          signals: config.signals,
          logger,
          shutdown: (reason) => handle.shutdown(reason),
        })

  loggers.set(handle, logger)
  return handle
}
