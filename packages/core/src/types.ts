// The public types of a lameduck handle, apart from the code that implements them, so that the
// modules that take a handle (routes, on-drain) depend on what it is, not on how it is made.
import type { Readiness, RequestHandler, State } from './health.js'
import type { HookResult } from './hooks.js'
import type { AttachableServer } from './server-kind.js'
import type { SingletonResult } from './singletons.js'

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
  /**
   * How the HTTP/2 sessions open at the drain were closed: `twoStep`, a shutdown notice and the
   * final GOAWAY once the client acknowledged it (no stream lost); `unacknowledged`, the final
   * GOAWAY after the notice without the client's acknowledgement; `oneStep`, a single GOAWAY
   * (a stream crossing it is not processed, and may be retried), by reason.
   */
  http2: {
    twoStep: number
    unacknowledged: number
    oneStep: { tls: number; unsupported: number; transport: number; busy: number }
  }
  /** Each `ld.singleton()` job: how it ended after the abort, or `'idle'` if it never ran here. */
  singletons: SingletonResult[]
  /**
   * The goodbyes spread over the `closeSpread` window (ms, 0 when none): `closes`, how many
   * WebSocket clients, event streams, HTTP/2 sessions and idle keep-alive sockets were told to go
   * at their own moment of it.
   */
  closeSpread: { window: number; closes: number }
  hooks: HookResult[]
  /**
   * Present when `@lameduck/syn-guard` is installed and was wanted (on Linux, for a listener this
   * process bound) but could not be used: why. Those listeners closed the plain way, resetting
   * the connections still waiting in their accept queue.
   */
  synGuardUnavailable?: string
}

export interface ListenOptions {
  /** Port to listen on when not under `lameduck run` (which hands over its socket instead). */
  port?: number | undefined
  /** @default Node's default: all interfaces */
  host?: string | undefined
  backlog?: number | undefined
}

/** What `endOnDrain` needs of a response: node:http's and node:http2's both fit. */
export interface EndableResponse {
  end(): unknown
  once(event: 'close', listener: () => void): unknown
  off(event: 'close', listener: () => void): unknown
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
  /**
   * Runs `start(signal)` in one place at a time: a cron, a queue consumer, a migration. Alone,
   * the process is that place and `start` is called at once. A worker of `lameduck run` calls it
   * only once the supervisor grants it the lease on `name`, which one worker of the serving
   * generation holds at a time (on a reload, the new generation's only after the old one's job
   * has ended). `signal` aborts when the drain starts; the promise `start` returns is then
   * awaited, for at most `timeout` ms (default `hookTimeout`), before the hooks run, and the lease
   * is given back once it has settled. A job still running at its timeout keeps the lease until
   * the process exits.
   */
  singleton(
    name: string,
    start: (signal: AbortSignal) => unknown,
    options?: { timeout?: number },
  ): this
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
   * Ends a long response (server-sent events, a stream) when the listener closes, at its own
   * moment of the `closeSpread` window: `finish(res)` runs once, by default `res.end()`, so the
   * client sees a clean end rather than a cut at the deadline. On an event stream
   * (`text/event-stream`) a `retry:` field of 1 to 5 s, at random, goes first. Cancelled when the
   * response closes first; the returned function cancels it too. Responses not given to
   * `endOnDrain` are left to finish on their own, until the deadline.
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
   * Starts the shutdown; every call returns the same promise, which never rejects. `delay` and
   * `closeSpread` override the configured ones for this shutdown (a reload needs no delay); like
   * the configured ones, `delay` + `closeSpread` must be less than `timeout`.
   */
  shutdown(
    reason?: string,
    options?: { delay?: number; closeSpread?: number },
  ): Promise<ShutdownReport>
}
