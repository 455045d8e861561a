// Work that must run in one place at a time: a cron, a queue consumer, a migration
// (`ld.singleton()`). A process on its own is that one place, so its jobs start at once. A worker
// of `lameduck run` is one of several, across generations: it asks the supervisor for each job's
// lease and starts the job only once granted (the supervisor's side is @lameduck/reload's
// leases.ts). Either way a job is aborted when the drain starts, and awaited, bounded, before the
// hooks; a worker gives the lease back only once its job has ended.
import { InvalidStateError } from './errors.js'
import type { Logger } from './logger.js'
import { keepErrorInJson } from './serialize-error.js'
import { withTimeout } from './timeout.js'
import {
  isLeaseMessage,
  isSupervisedWorker,
  sendToParent,
  WORKER_MESSAGE,
} from './worker-protocol.js'

/** How one singleton ended, in the shutdown report. */
export interface SingletonResult {
  name: string
  /**
   * `'ok'`: it ended within its timeout after the abort, or had ended before (a rejection with
   * the abort, e.g. an `AbortError`, counts); `'idle'`: it never ran in this process (another
   * worker held it); `'error'`: it threw or rejected with something else; `'timeout'`: it was
   * still running at its timeout.
   */
  status: 'ok' | 'idle' | 'error' | 'timeout'
  /** Ms from the abort to its end, or to the timeout. */
  ms: number
  /** What it threw or rejected with, when `status` is `'error'`. */
  error?: unknown
}

export interface Singletons {
  add(name: string, start: (signal: AbortSignal) => unknown, timeout: number): void
  /** Aborts every job, waits for each (bounded by its timeout) and gives back the leases of those that ended. */
  stop(): Promise<SingletonResult[]>
}

interface Job {
  readonly name: string
  readonly controller: AbortController
  /** Ms to wait for it after the abort. */
  readonly timeout: number
  /** Set once started: here at once, under `lameduck run` once granted. */
  running: Promise<unknown> | undefined
  run(): void
}

// The IPC channel is the process's, and so is a lease: one job per name in a process, whichever
// handle registered it, until that job has ended.
const jobs = new Map<string, Job>()
let followingGrants = false

export function createSingletons(logger: Logger): Singletons {
  const own: Job[] = []

  function add(name: string, start: (signal: AbortSignal) => unknown, timeout: number): void {
    if (jobs.has(name)) {
      throw new InvalidStateError(
        `singleton("${name}") called while a singleton of that name is registered in this process`,
      )
    }
    const controller = new AbortController()
    const job: Job = {
      name,
      controller,
      timeout,
      running: undefined,
      run() {
        if (job.running !== undefined) return
        job.running = new Promise((run) => run(start(controller.signal)))
        job.running.catch((error: unknown) => {
          if (!endedByAbort(error, controller.signal)) {
            logger.error({ singleton: name, err: error }, `lameduck: singleton "${name}" failed`)
          }
        })
      },
    }
    jobs.set(name, job)
    own.push(job)
    if (isSupervisedWorker()) {
      followGrants()
      sendToParent({ lameduck: WORKER_MESSAGE.acquire, name })
    } else job.run()
  }

  async function stopJob(job: Job): Promise<SingletonResult> {
    const { name, controller, timeout } = job
    controller.abort()
    if (job.running === undefined) {
      release(job)
      return { name, status: 'idle', ms: 0 }
    }
    const running = job.running
    const outcome = await withTimeout(() => running, timeout)
    if (outcome.status === 'timeout') {
      // Still running: the lease stays with this process until it exits, so no other worker
      // starts the job while this one may still be doing it.
      logger.warn(
        { singleton: name, timeout },
        `lameduck: singleton "${name}" still running ${timeout} ms after the abort`,
      )
      return { name, status: 'timeout', ms: outcome.ms }
    }
    release(job)
    if (outcome.status === 'ok' || endedByAbort(outcome.error, controller.signal)) {
      return { name, status: 'ok', ms: outcome.ms }
    }
    return keepErrorInJson<SingletonResult>({
      name,
      status: 'error',
      ms: outcome.ms,
      error: outcome.error,
    })
  }

  return {
    add,
    stop: () => Promise.all(own.map(stopJob)),
  }
}

function release(job: Job): void {
  jobs.delete(job.name)
  if (isSupervisedWorker()) sendToParent({ lameduck: WORKER_MESSAGE.release, name: job.name })
}

/** What a job ended with when it stopped because it was told to. */
function endedByAbort(error: unknown, signal: AbortSignal): boolean {
  return (
    signal.aborted &&
    (error === signal.reason || (error as { name?: unknown } | null)?.name === 'AbortError')
  )
}

/** A grant for a job that has ended, or is ending, goes straight back. */
function followGrants(): void {
  if (followingGrants) return
  followingGrants = true
  process.on('message', (message: unknown) => {
    if (!isLeaseMessage(message) || message.lameduck !== WORKER_MESSAGE.granted) return
    const job = jobs.get(message.name)
    if (job === undefined || job.controller.signal.aborted) {
      sendToParent({ lameduck: WORKER_MESSAGE.release, name: message.name })
    } else job.run()
  })
}
