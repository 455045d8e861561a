/** A named piece of the app's code run with a timeout: a shutdown hook or a readiness check. */
export interface TimedTask {
  name: string
  fn: () => unknown
  /** Ms. */
  timeout: number
}

export type Outcome<T> =
  | { status: 'ok'; value: T; ms: number }
  | { status: 'error'; error: unknown; ms: number }
  | { status: 'timeout'; ms: number }

/**
 * Runs `fn` and settles with its outcome or with a timeout, whichever comes first; never rejects.
 * The timer is cleared as soon as `fn` settles, so nothing outlives the call. lameduck's one way
 * of waiting with a deadline: for hooks and checks, and for its own bounded waits.
 */
export function withTimeout<T>(fn: () => T | PromiseLike<T>, ms: number): Promise<Outcome<T>> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ status: 'timeout', ms: elapsed() }), ms)
    new Promise<T>((run) => run(fn())).then(
      (value) => {
        clearTimeout(timer)
        resolve({ status: 'ok', value, ms: elapsed() })
      },
      (error: unknown) => {
        clearTimeout(timer)
        resolve({ status: 'error', error, ms: elapsed() })
      },
    )
  })
}
