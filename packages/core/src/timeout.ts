export type Outcome<T> =
  | { status: 'ok'; value: T; ms: number }
  | { status: 'error'; error: unknown; ms: number }
  | { status: 'timeout'; ms: number }

/**
 * Runs `fn` and settles with its outcome or with a timeout, whichever comes first; never rejects.
 * The timer is cleared as soon as `fn` settles, so nothing outlives the call.
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
