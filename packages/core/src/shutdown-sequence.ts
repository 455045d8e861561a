import type { Goodbyes } from './close-spread.js'
import type { ConnectionTracker } from './connections.js'
import { phaseChannel, reportChannel } from './diagnostics.js'
import { failureLine } from './failure-line.js'
import { type HookResult, runHooks } from './hooks.js'
import type { ListenerGuard } from './listener.js'
import type { Logger } from './logger.js'
import { SHUTDOWN_WAITS } from './options.js'
import type { SingletonResult, Singletons } from './singletons.js'
import { type TimedTask, withTimeout } from './timeout.js'
import type { ShutdownReport } from './types.js'

/** What one shutdown of a handle works with. */
export interface ShutdownPlan {
  reason: string
  delay: number
  /** Ms from the start of the shutdown (the delay included) to the forcing of what is left. */
  timeout: number
  idleGrace: number
  /** Ms from the listener's close over which long-lived connections are told to go. */
  closeSpread: number
  goodbyes: Goodbyes
  guard: ListenerGuard | undefined
  /** Why the helper, wanted, could not be used (see listener.ts); for the report. */
  synGuardUnavailable: string | undefined
  trackers: readonly ConnectionTracker[]
  hooks: readonly TimedTask[]
  /** Aborted with the drain's start and awaited before the hooks, so a hook may close what they use. */
  singletons: Singletons
  logger: Logger
  /** The handle's side of the steps: its state, readiness and `signal`. */
  steps: {
    /** The shutdown starts, before the delay. */
    draining(): void
    /** The delay is over: the listeners are about to close. */
    closing(): void
    /** The hooks have run. */
    closed(): void
  }
}

/**
 * The shutdown of a handle: wait for the delay, drain until the deadline, force and settle what
 * is left, run the hooks, build the report. Never rejects: each await is on something that
 * cannot (a timer, `withTimeout`, the drain, `runHooks`).
 */
export async function runShutdown(plan: ShutdownPlan): Promise<ShutdownReport> {
  const { reason, logger, trackers } = plan
  const started = performance.now()
  const phase = (name: string) => publishPhase(logger, name, reason, started)
  plan.steps.draining()
  const singletonsStopped = plan.singletons.stop()
  logger.info({ reason, servers: trackers.length }, 'lameduck: draining')
  phase('draining')

  if (plan.delay > 0) {
    phase('delay')
    await waitForDelay(plan.delay)
  }
  const drainStarted = performance.now()
  plan.steps.closing()
  phase('drain')
  const { goodbyes } = plan
  goodbyes.open(plan.closeSpread)
  const untilDeadline = started + plan.timeout - drainStarted
  const drained = Promise.all(trackers.map((t) => t.drain(plan.idleGrace, goodbyes, plan.guard)))
  if (!(await drainUntil(drained, untilDeadline))) await forceAndSettle(trackers, drained, logger)
  goodbyes.stop()
  for (const tracker of trackers) tracker.release()
  const singletons = await singletonsStopped
  const hooksStarted = performance.now()
  phase('hooks')
  const hookResults = await runHooks(plan.hooks, logger)
  const finished = performance.now()

  const report = buildReport(reason, trackers, hookResults, singletons, goodbyes, {
    delay: drainStarted - started,
    drain: hooksStarted - drainStarted,
    hooks: finished - hooksStarted,
    total: finished - started,
  })
  if (plan.synGuardUnavailable !== undefined) report.synGuardUnavailable = plan.synGuardUnavailable
  plan.steps.closed()
  phase('closed')
  if (reportChannel.hasSubscribers) reportChannel.publish(report)
  if (report.ok) logger.info({ report }, 'lameduck: shutdown complete')
  else logger.error({ report }, failureLine(report))
  return report
}

function publishPhase(logger: Logger, name: string, reason: string, started: number): void {
  const elapsed = Math.round(performance.now() - started)
  if (phaseChannel.hasSubscribers) phaseChannel.publish({ phase: name, reason, elapsed })
  logger.debug({ phase: name, elapsed }, `lameduck: ${name}`)
}

function waitForDelay(ms: number): Promise<void> {
  // A plain (referenced) timer: the process must not exit halfway through its own shutdown.
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Whether everything drained within `ms`. */
async function drainUntil(drained: Promise<unknown>, ms: number): Promise<boolean> {
  return (await withTimeout(() => drained, Math.max(0, ms))).status === 'ok'
}

async function forceAndSettle(
  trackers: readonly ConnectionTracker[],
  drained: Promise<unknown>,
  logger: Logger,
): Promise<void> {
  for (const tracker of trackers) tracker.destroyAll()
  // Destroyed sockets close within a tick or two; the bound is for a socket Node handed to the
  // app in a way lameduck cannot see, which must not hold the shutdown forever.
  const settled = await withTimeout(() => drained, SHUTDOWN_WAITS.forcedClose)
  if (settled.status !== 'ok')
    logger.warn({}, 'lameduck: connections still open after the deadline')
}

function buildReport(
  reason: string,
  trackers: readonly ConnectionTracker[],
  hookResults: HookResult[],
  singletons: SingletonResult[],
  goodbyes: Goodbyes,
  ms: ShutdownReport['durations'],
): ShutdownReport {
  const sum = (key: keyof ConnectionTracker['counts']) =>
    trackers.reduce((total, t) => total + t.counts[key], 0)
  return {
    reason,
    ok:
      sum('forced') === 0 &&
      hookResults.every((h) => h.status === 'ok') &&
      singletons.every((s) => s.status === 'ok' || s.status === 'idle'),
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
    http2: {
      twoStep: sum('goawayTwoStep'),
      unacknowledged: sum('goawayUnacknowledged'),
      oneStep: {
        tls: sum('goawayTls'),
        unsupported: sum('goawayUnsupported'),
        transport: sum('goawayTransport'),
        busy: sum('goawayBusy'),
      },
    },
    singletons,
    closeSpread: { window: goodbyes.counts.window, closes: goodbyes.counts.spread },
    hooks: hookResults,
  }
}
