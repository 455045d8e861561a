import { createGoodbyes, registerGoodbyes } from './close-spread.js'
import { type ConnectionTracker, trackConnections } from './connections.js'
import { InvalidOptionError, InvalidStateError } from './errors.js'
import { endWorker, markAttached, registerHandle } from './handle-registry.js'
import { livenessReply, type State, sendReply } from './health.js'
import { seekListenerGuard } from './listener.js'
import { guardLogger } from './logger.js'
import { endOnDrain } from './on-drain.js'
import {
  assertNamedFunction,
  type LameduckOptions,
  type ShutdownTiming,
  validateCallTimeout,
  validateOptions,
  validateShutdownTiming,
} from './options.js'
import { createReadinessGate } from './readiness-gate.js'
import { type AttachableServer, isAttachableServer } from './server-kind.js'
import { runShutdown } from './shutdown-sequence.js'
import { foreignListeners, handleSignals } from './signals.js'
import { createSingletons } from './singletons.js'
import { assertSupported, featuresOf } from './support.js'
import type { TimedTask } from './timeout.js'
import type { Lameduck, ShutdownReport } from './types.js'
import { listenAsWorker } from './worker-protocol.js'

/** Creates a handle that drains the servers attached to it; options are validated here. */
export function lameduck(options?: LameduckOptions): Lameduck {
  const config = validateOptions(options)
  const logger = guardLogger(config.logger)
  const controller = new AbortController()
  const goodbyes = createGoodbyes()
  const trackers = new Map<AttachableServer, ConnectionTracker>()
  const hooks: TimedTask[] = []
  const singletons = createSingletons(logger)
  let state: State = 'serving'
  const readiness = createReadinessGate(config.readinessFailsAt, () => state)
  let shutdownPromise: Promise<ShutdownReport> | undefined
  let warnedForeign = false
  // Looked for at the first attach (see listener.ts).
  const listenerGuard = config.synGuard ? seekListenerGuard(logger) : undefined

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

  const unsubscribeSignals =
    config.signals === false
      ? () => {}
      : handleSignals({
          signals: config.signals,
          logger,
          shutdown: (reason) => handle.shutdown(reason),
        })

  function run(reason: string, timing: ShutdownTiming): Promise<ShutdownReport> {
    return runShutdown({
      reason,
      ...timing,
      timeout: config.timeout,
      idleGrace: config.idleGrace,
      goodbyes,
      guard: listenerGuard?.guard,
      synGuardUnavailable: listenerGuard?.unavailable,
      trackers: [...trackers.values()],
      hooks,
      singletons,
      logger,
      steps: {
        draining() {
          state = 'draining'
          readiness.shutdownStarted()
          controller.abort()
        },
        closing: () => readiness.listenerClosing(),
        closed() {
          state = 'closed'
          unsubscribeSignals()
        },
      },
    })
  }

  const handle: Lameduck = {
    get state() {
      return state
    },
    signal: controller.signal,
    attach(server) {
      if (!isAttachableServer(server)) {
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
      trackers.set(server, trackConnections(server))
      markAttached(server, handle)
      warnForeignListeners()
      listenerGuard?.attached(server)
      return handle
    },
    onShutdown(name, fn, opts) {
      assertNamedFunction('onShutdown', name, fn)
      const timeout = validateCallTimeout('onShutdown', opts, config.hookTimeout)
      if (state !== 'serving') {
        throw new InvalidStateError(`onShutdown() called while ${state}: the hooks have been read`)
      }
      hooks.push({ name, fn, timeout })
      return handle
    },
    singleton(name, start, opts) {
      assertNamedFunction('singleton', name, start)
      const timeout = validateCallTimeout('singleton', opts, config.hookTimeout)
      if (state !== 'serving') {
        throw new InvalidStateError(
          `singleton() called while ${state}: nothing starts during a drain`,
        )
      }
      singletons.add(name, start, timeout)
      return handle
    },
    addReadinessCheck(name, fn, opts) {
      assertNamedFunction('addReadinessCheck', name, fn)
      const timeout = validateCallTimeout('addReadinessCheck', opts, config.checkTimeout)
      readiness.add({ name, fn, timeout })
      return handle
    },
    checkReadiness: () => readiness.check(),
    health(_req, res) {
      sendReply(res, livenessReply(state))
    },
    readiness(_req, res) {
      readiness.respond(res)
    },
    endOnDrain: (res, finish) => endOnDrain(goodbyes, res, finish),
    listen(server, opts) {
      const target = {
        logger,
        attach: (s: AttachableServer) => {
          if (!trackers.has(s)) handle.attach(s)
        },
        checkReadiness: () => readiness.check(),
        stop: (reason: string, o: { delay?: number }) => {
          handle.shutdown(reason, o)
          endWorker(handle)
        },
      }
      return listenAsWorker(target, server, opts)
    },
    shutdown(reason = 'shutdown()', opts) {
      if (typeof reason !== 'string') {
        throw new InvalidOptionError('shutdown(reason)', 'a string', reason)
      }
      const timing = validateShutdownTiming(opts, config)
      if (shutdownPromise === undefined) {
        // Assigned before run() starts: it aborts `signal` synchronously, and a listener calling
        // shutdown() must get this promise rather than start a second shutdown.
        let start: (report: Promise<ShutdownReport>) => void = () => {}
        shutdownPromise = new Promise((resolve) => {
          start = resolve
        })
        start(run(reason, timing))
      }
      return shutdownPromise
    },
  }

  registerHandle(handle, logger, config.signals !== false)
  registerGoodbyes(handle, goodbyes)
  return handle
}
