import { randomBytes } from 'node:crypto'
import type { Server } from 'node:net'
import type { Logger } from '@lameduck/core'
import { serveControl } from './control.js'
import { fdName, takeSockets } from './fd-store.js'
import { createLeases, type SingletonStatus } from './leases.js'
import { type ResolvedSupervise, type SuperviseOptions, validateSupervise } from './options.js'
import { serviceManager } from './sd-notify.js'
import type { BoundSocket } from './sockets.js'
import { watchPath } from './watch.js'
import { spawnWorker, type Worker } from './worker.js'

/** How long a reload waits for the old generation to say its listener is closed. */
const CLOSE_WAIT_MS = 1_000

function closedOrAfter(closed: Promise<void>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  return Promise.race([Promise.all(closed).then(() => {}), late]).finally(() => clearTimeout(timer))
}

export interface ReloadResult {
  ok: boolean
  /** The generation serving after the reload: the new one, or the old one after a rollback. */
  generation: number
  ms: number
  /** Why the new generation was rolled back. */
  error?: string
}

export interface SupervisorStatus {
  pid: number
  generation: number
  listening: { host: string; port: number }[]
  workers: { pid: number | undefined; generation: number; state: string }[]
  lastReload: ReloadResult | undefined
  stopping: boolean
  /** Each `ld.singleton()` name the workers asked for, and the worker running it. */
  singletons: SingletonStatus[]
}

export interface Supervisor {
  /** Starts a new generation, waits until it is ready, then drains the old one; one at a time. */
  reload(): Promise<ReloadResult>
  /** Drains every worker, then closes the sockets; resolves with whether all exited cleanly. */
  stop(): Promise<{ ok: boolean }>
  status(): SupervisorStatus
}

/**
 * Holds the listening sockets for its whole life and runs generations of workers on them; never
 * loads app code itself. Resolves once the first generation is ready; rejects (and cleans up) if
 * it is not.
 */
export async function supervise(input: SuperviseOptions): Promise<Supervisor> {
  const options = validateSupervise(input)
  const { logger } = options
  const manager = serviceManager(logger)
  const { sockets, toStore, stale } = takeSockets(options.listen)
  let generation = 0
  let nextGeneration = 1
  let current: Worker[] = []
  const retiring = new Set<Worker>()
  // Every worker not yet exited, a reload's new generation included while it starts.
  const alive = new Set<Worker>()
  let reloading: Promise<ReloadResult> | undefined
  let pending: Promise<ReloadResult> | undefined
  let lastReload: ReloadResult | undefined
  let stopping: Promise<{ ok: boolean }> | undefined
  const crashes: number[] = []
  // One set for the supervisor's life: TLS sessions resume across reloads.
  const ticketKeys = randomBytes(48)
  const leases = createLeases({
    logger,
    serving: (worker) =>
      stopping === undefined && worker.state === 'ready' && current.includes(worker),
  })

  function spawn(gen: number): Worker {
    const started = performance.now()
    const worker = spawnWorker({
      ...options,
      sockets,
      generation: gen,
      ticketKeys,
      onLease: leases.receive,
    })
    const { pid } = worker
    logger.info({ pid, generation: gen }, `lameduck: worker ${pid} started`)
    alive.add(worker)
    worker.ready.then(
      () => {
        const ms = Math.round(performance.now() - started)
        logger.info({ pid, generation: gen, ms }, `lameduck: worker ${pid} ready in ${ms} ms`)
        // A respawned worker of the serving generation may take a lease left by a crash.
        leases.grantFree()
      },
      () => {},
    )
    worker.exited.then((code) => {
      alive.delete(worker)
      onExit(worker, code)
    })
    return worker
  }

  const retirements = new WeakMap<Worker, Promise<boolean>>()

  /**
   * Drains a worker, once, and tells the operator how that went: drained, failed or killed.
   * Resolves with whether that was clean.
   */
  function retire(worker: Worker, reason: 'reload' | 'stop'): Promise<boolean> {
    let retirement = retirements.get(worker)
    if (retirement === undefined) {
      retirement = drainAndSay(worker, reason)
      retirements.set(worker, retirement)
    }
    return retirement
  }

  async function drainAndSay(worker: Worker, reason: 'reload' | 'stop'): Promise<boolean> {
    const started = performance.now()
    // A worker still starting is told by SIGTERM, which kills it if the app has not yet installed
    // a handler: it never served, so there was nothing to drain and that death is a clean stop.
    const starting = worker.state === 'starting'
    const code = await worker.drain(reason, options.drainTimeout + options.killGrace)
    const ms = Math.round(performance.now() - started)
    const { pid, generation: gen } = worker
    if (starting && !worker.killed && (code === 0 || worker.signal === 'SIGTERM')) {
      logger.info(
        { pid, generation: gen, ms, code, signal: worker.signal },
        `lameduck: worker ${pid} stopped while starting, before it served: ${code === 0 ? 'exit 0' : 'ended by SIGTERM'} after ${ms} ms`,
      )
      return true
    }
    if (worker.killed) {
      logger.error(
        { pid, generation: gen, ms },
        `lameduck: worker ${pid} killed at the deadline: still running ${ms} ms after it was told to drain (drainTimeout + killGrace)`,
      )
    } else if (code === 0) {
      logger.info(
        { pid, generation: gen, ms, code },
        `lameduck: worker ${pid} drained in ${ms} ms, exit 0`,
      )
    } else {
      logger.error(
        { pid, generation: gen, ms, code },
        `lameduck: worker ${pid} drain failed: exit ${code ?? 'by a signal'} after ${ms} ms (its own line above says why)`,
      )
    }
    return code === 0
  }

  function onExit(worker: Worker, code: number | null): void {
    retiring.delete(worker)
    const index = current.indexOf(worker)
    if (index === -1 || stopping !== undefined) {
      // Retired: what it still held (its job outlived its drain) is free now that it is gone.
      leases.exited(worker, 0)
      return
    }
    // A serving worker died: replace it. The sockets stay open, so clients wait in the backlog.
    const now = Date.now()
    crashes.push(now)
    while (crashes.length > 0 && crashes[0]! < now - 60_000) crashes.shift()
    const { min, max } = options.respawnBackoff
    const wait = Math.min(max, min * 2 ** (crashes.length - 1))
    const loop = crashes.length >= 5
    logger[loop ? 'error' : 'warn'](
      { pid: worker.pid, code, respawnIn: wait, crashesLastMinute: crashes.length },
      loop ? 'lameduck: worker crash loop' : 'lameduck: worker died while serving',
    )
    // A job that brought its worker down waits the same backoff before it runs elsewhere.
    leases.exited(worker, wait)
    setTimeout(() => {
      if (stopping !== undefined || current[index] !== worker) return
      current[index] = spawn(worker.generation)
    }, wait)
  }

  async function startGeneration(): Promise<Worker[]> {
    const gen = nextGeneration++
    const workers = Array.from({ length: options.workers }, () => spawn(gen))
    try {
      await Promise.all(workers.map((w) => w.ready))
      generation = gen
      return workers
    } catch (error) {
      // A stop is draining them all already: killing the rest would make its clean stop unclean.
      if (stopping !== undefined) throw error
      // Rollback: a worker that became ready may already hold connections, so it drains.
      for (const worker of workers) {
        if (worker.state === 'ready') retire(worker, 'stop')
        else worker.kill()
      }
      throw error
    }
  }

  /** For the service manager's STATUS=: the generation serving, its workers, the last reload. */
  function describe(): string {
    const last =
      lastReload === undefined
        ? ''
        : lastReload.ok
          ? `, last reload ok in ${lastReload.ms} ms`
          : `, last reload rolled back: ${lastReload.error}`
    return `generation ${generation}, ${current.length} workers${last}`
  }

  async function runReload(): Promise<ReloadResult> {
    // Bounded by the old workers' drain, then the new ones' readiness.
    manager?.reloading(
      `reloading: generation ${nextGeneration} starting`,
      options.drainTimeout + options.killGrace + options.readyTimeout,
    )
    // At most two generations alive: the previous reload's workers finish draining first.
    await Promise.all([...retiring].map((w) => w.exited))
    const started = performance.now()
    const elapsed = () => Math.round(performance.now() - started)
    try {
      const next = await startGeneration()
      const old = current
      current = next
      for (const worker of old) {
        retiring.add(worker)
        retire(worker, 'reload')
      }
      // Done once the old generation accepts no more, so that a client connecting after the
      // reload returns reaches the new code; bounded, for a worker whose core does not say so.
      await closedOrAfter(
        old.map((w) => w.closed),
        CLOSE_WAIT_MS,
      )
      lastReload = { ok: true, generation, ms: elapsed() }
      const previous = old[0]?.generation
      logger.info(
        { ...lastReload, draining: old.map((w) => w.pid) },
        `lameduck: reloaded in ${lastReload.ms} ms: generation ${generation} serving, generation ${previous} draining`,
      )
      // Granted at once only the names no old worker holds; the others once released or exited.
      leases.grantFree()
    } catch (error) {
      lastReload = { ok: false, generation, ms: elapsed(), error: String((error as Error).message) }
      // A stop drains a generation that is still starting: that is not a failed reload.
      if (stopping !== undefined) return lastReload
      logger.error(
        { ...lastReload },
        'lameduck: reload failed, the previous generation keeps serving',
      )
    }
    if (stopping === undefined) manager?.ready(describe())
    return lastReload
  }

  const supervisor: Supervisor = {
    reload() {
      if (stopping !== undefined) {
        return Promise.resolve({ ok: false, generation, ms: 0, error: 'stopping' })
      }
      if (reloading === undefined) {
        reloading = runReload().finally(() => {
          reloading = undefined
        })
        return reloading
      }
      // Coalesce: every request made during a reload is answered by one more reload after it.
      pending ??= reloading.then(() => {
        pending = undefined
        return supervisor.reload()
      })
      return pending
    },
    stop() {
      stopping ??= (async () => {
        logger.info({ workers: current.length + retiring.size }, 'lameduck: stopping')
        leases.close()
        manager?.stopping(
          `stopping: draining ${current.length + retiring.size} workers`,
          options.drainTimeout + options.killGrace,
        )
        // The workers keep their copies of the socket until their drain closes their listeners
        // (after any readiness delay). Closing ours first means that, once they have, a new
        // connection is refused instead of waiting in a backlog nobody accepts from and being
        // reset when the supervisor exits.
        unwatch?.()
        for (const socket of sockets) socket.close()
        // A reload's new generation too, while it starts: none of it may outlive the supervisor.
        const all = new Set([...current, ...retiring, ...alive])
        const clean = await Promise.all([...all].map((w) => retire(w, 'stop')))
        control?.close()
        return { ok: clean.every(Boolean) }
      })()
      return stopping
    },
    status() {
      return {
        pid: process.pid,
        generation,
        listening: sockets.map(({ host, port }) => ({ host, port })),
        workers: [...current, ...retiring].map((w) => ({
          pid: w.pid,
          generation: w.generation,
          state: w.state,
        })),
        lastReload,
        stopping: stopping !== undefined,
        singletons: leases.status(),
      }
    },
  }

  let control: Server | undefined
  let unwatch: (() => void) | undefined
  try {
    // Before any worker starts: a control path that is not safe to use stops everything here.
    if (options.control !== undefined) control = await serveControl(supervisor, options.control)
    current = await startGeneration()
    leases.grantFree()
    // A restart through the fd store finds them there; once serving, so a start that fails
    // leaves nothing behind.
    for (const [i, address] of toStore) manager?.store(fdName(address), sockets[i]!.fd)
    for (const name of stale) manager?.forget(name)
    manager?.ready(describe())
    if (options.watch !== undefined) {
      unwatch = watchPath(options.watch, () => supervisor.reload(), logger)
    }
  } catch (error) {
    control?.close()
    for (const socket of sockets) socket.close()
    throw error
  }
  return supervisor
}

export type { BoundSocket, Logger, ResolvedSupervise }
