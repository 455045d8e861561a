// The supervisor's side of `ld.singleton()` (core's singletons.ts): each name is held by at most
// one worker, and only a worker of the serving generation is granted one. A holder keeps its lease
// until it says its job has ended or it exits, so on a reload the new generation's job starts only
// once the old one's has ended, and a rolled-back generation, never serving, is never granted
// anything. A lease whose holder died while serving waits the respawn backoff before it moves on.
import type { Logger } from '@lameduck/core'
import { type LeaseMessage, WORKER_MESSAGE } from '@lameduck/core/worker'
import type { Worker } from './worker.js'

/** One singleton in `lameduck status`. */
export interface SingletonStatus {
  name: string
  /** The pid of the worker running it; null while it is being handed over. */
  pid: number | null
  generation: number | null
  /** Workers that asked for it, in order. */
  waiting: number
}

export interface Leases {
  /** A worker asked for a lease or gave one back. */
  receive(worker: Worker, message: LeaseMessage): void
  /** The serving generation, or a worker's readiness, changed: hand out what is free. */
  grantFree(): void
  /** A worker is gone: its requests are dropped, and what it held is free after `delay` ms. */
  exited(worker: Worker, delay: number): void
  /** Stopping: nothing is handed out any more. */
  close(): void
  status(): SingletonStatus[]
}

interface Lease {
  holder: Worker | undefined
  waiting: Worker[]
  /** Until a dead holder's backoff has passed. */
  held: NodeJS.Timeout | undefined
  /** How the last holder let go, for the handover's log line. */
  previous: { pid: number | undefined; how: 'released' | 'exited'; at: number } | undefined
}

export function createLeases(options: {
  logger: Logger
  /** Whether a worker may be granted a lease now: ready, of the serving generation. */
  serving(worker: Worker): boolean
}): Leases {
  const { logger, serving } = options
  const leases = new Map<string, Lease>()
  let closed = false

  function lease(name: string): Lease {
    let found = leases.get(name)
    if (found === undefined) {
      found = { holder: undefined, waiting: [], held: undefined, previous: undefined }
      leases.set(name, found)
    }
    return found
  }

  function grant(name: string, entry: Lease): void {
    if (closed || entry.holder !== undefined || entry.held !== undefined) return
    const next = entry.waiting.find(serving)
    if (next === undefined) return
    entry.waiting.splice(entry.waiting.indexOf(next), 1)
    entry.holder = next
    next.send({ lameduck: WORKER_MESSAGE.granted, name })
    const { pid, generation } = next
    const { previous } = entry
    if (previous === undefined) {
      logger.info(
        { singleton: name, pid, generation },
        `lameduck: singleton "${name}" to worker ${pid}`,
      )
      return
    }
    const ms = Math.round(performance.now() - previous.at)
    logger.info(
      { singleton: name, pid, generation, from: previous.pid, ms },
      `lameduck: singleton "${name}" handed over to worker ${pid}, ${ms} ms after worker ${previous.pid} ${previous.how}`,
    )
  }

  function grantFree(): void {
    for (const [name, entry] of leases) grant(name, entry)
  }

  function free(name: string, entry: Lease, how: 'released' | 'exited', delay = 0): void {
    const pid = entry.holder?.pid
    entry.previous = { pid, how, at: performance.now() }
    entry.holder = undefined
    if (how === 'released') {
      logger.info(
        { singleton: name, pid },
        `lameduck: singleton "${name}" released by worker ${pid}`,
      )
      return
    }
    const wait = delay > 0 ? `; handed over after the respawn backoff, ${delay} ms` : ''
    logger.warn(
      { singleton: name, pid, handOverIn: delay },
      `lameduck: singleton "${name}" freed: worker ${pid} exited holding it${wait}`,
    )
  }

  return {
    receive(worker, message) {
      const { name } = message
      const entry = lease(name)
      if (message.lameduck === WORKER_MESSAGE.acquire) {
        if (entry.holder !== worker && !entry.waiting.includes(worker)) entry.waiting.push(worker)
      } else if (message.lameduck === WORKER_MESSAGE.release) {
        if (entry.holder === worker) free(name, entry, 'released')
        else entry.waiting = entry.waiting.filter((w) => w !== worker)
      }
      grant(name, entry)
    },
    grantFree,
    exited(worker, delay) {
      for (const [name, entry] of leases) {
        entry.waiting = entry.waiting.filter((w) => w !== worker)
        if (entry.holder !== worker) continue
        free(name, entry, 'exited', delay)
        if (delay > 0) {
          entry.held = setTimeout(() => {
            entry.held = undefined
            grant(name, entry)
          }, delay)
        }
      }
      grantFree()
    },
    close() {
      closed = true
      for (const entry of leases.values()) clearTimeout(entry.held)
    },
    status() {
      return [...leases].map(([name, { holder, waiting }]) => ({
        name,
        pid: holder?.pid ?? null,
        generation: holder?.generation ?? null,
        waiting: waiting.length,
      }))
    },
  }
}
