import type { Logger } from './logger.js'
import { keepErrorInJson } from './serialize-error.js'
import { type TimedTask, withTimeout } from './timeout.js'

export interface HookResult {
  name: string
  status: 'ok' | 'error' | 'timeout'
  ms: number
  /** What the hook threw or rejected with, when `status` is `'error'`. */
  error?: unknown
}

/**
 * Runs hooks one at a time, last registered first (what was opened last depends on what was
 * opened before it); a hook that throws or hangs is reported and the next one still runs.
 */
export async function runHooks(hooks: readonly TimedTask[], logger: Logger): Promise<HookResult[]> {
  const results: HookResult[] = []
  for (const hook of [...hooks].reverse()) {
    const outcome = await withTimeout(hook.fn, hook.timeout)
    const result: HookResult = { name: hook.name, status: outcome.status, ms: outcome.ms }
    if (outcome.status === 'error') {
      result.error = outcome.error
      keepErrorInJson(result)
      // Warn: the shutdown's one error line (failure-line.ts) names every failed hook.
      logger.warn({ hook: hook.name, err: outcome.error }, 'lameduck: shutdown hook failed')
    } else if (outcome.status === 'timeout') {
      logger.warn({ hook: hook.name, timeout: hook.timeout }, 'lameduck: shutdown hook timed out')
    }
    results.push(result)
  }
  return results
}
