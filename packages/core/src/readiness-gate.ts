import type { ServerResponse } from 'node:http'
import {
  type CheckResult,
  type Readiness,
  readinessReply,
  type State,
  sendReply,
} from './health.js'
import type { ReadinessFailsAt } from './options.js'
import { type TimedTask, withTimeout } from './timeout.js'

/**
 * A handle's readiness: the one definition of "failing", read by `ld.checkReadiness()`, the
 * readiness route and `ld.listen()`'s report to a parent process.
 */
export interface ReadinessGate {
  /** True once readiness fails for good: it never turns back. */
  readonly failing: boolean
  add(check: TimedTask): void
  /** The shutdown starts: readiness fails now with `readinessFailsAt: 'shutdown'`. */
  shutdownStarted(): void
  /** The listener is about to close: readiness fails now whatever `readinessFailsAt` says. */
  listenerClosing(): void
  /** Ready while not failing and every check passes within its timeout; checks run concurrently. */
  check(): Promise<Readiness>
  /** Sends the readiness answer; once failing, without awaiting anything, so the flip is seen at once. */
  respond(res: ServerResponse): void
}

export function createReadinessGate(failsAt: ReadinessFailsAt, state: () => State): ReadinessGate {
  const checks: TimedTask[] = []
  let failing = false

  const failed = (): Readiness => ({ ready: false, state: state(), checks: {} })

  async function check(): Promise<Readiness> {
    if (failing) return failed()
    const outcomes = await Promise.all(checks.map((c) => withTimeout(c.fn, c.timeout)))
    const results: Record<string, CheckResult> = {}
    let ready = true
    outcomes.forEach((outcome, i) => {
      const result: CheckResult = { status: outcome.status, ms: outcome.ms }
      if (outcome.status === 'error') result.message = messageOf(outcome.error)
      if (outcome.status !== 'ok') ready = false
      results[checks[i]!.name] = result
    })
    // The shutdown may have begun while the checks ran.
    return { ready: ready && !failing, state: state(), checks: results }
  }

  return {
    get failing() {
      return failing
    },
    add(c) {
      checks.push(c)
    },
    shutdownStarted() {
      if (failsAt === 'shutdown') failing = true
    },
    listenerClosing() {
      failing = true
    },
    check,
    respond(res) {
      if (failing) sendReply(res, readinessReply(failed()))
      else check().then((result) => sendReply(res, readinessReply(result)))
    },
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
