import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { WorkerFailedError } from '@lameduck/core'
import {
  type DrainRequest,
  isLeaseMessage,
  isListenerClosed,
  isWorkerReport,
  type LeaseMessage,
  WORKER_ENV,
  WORKER_MESSAGE,
} from '@lameduck/core/worker'
import type { BoundSocket } from './sockets.js'

export type WorkerState = 'starting' | 'ready' | 'draining' | 'exited'

export interface Worker {
  readonly pid: number | undefined
  readonly generation: number
  readonly state: WorkerState
  /** Whether `drain()` had to kill it: it was still alive at the deadline. */
  readonly killed: boolean
  /** Resolves when the worker reports ready; rejects when it fails, exits or times out first. */
  readonly ready: Promise<void>
  /** Resolves with the exit code (null when killed by a signal) once the process is gone. */
  readonly exited: Promise<number | null>
  /** The signal that ended it, once `exited` has resolved; null when it exited with a code. */
  readonly signal: NodeJS.Signals | null
  /** Resolves once a reload's drain has closed its listener (it says so), or it has exited. */
  readonly closed: Promise<void>
  /**
   * Asks the worker to drain and exit, once; kills it if it is still alive after `killAfter` ms.
   * Resolves with its exit code.
   */
  drain(reason: 'reload' | 'stop', killAfter: number): Promise<number | null>
  kill(): void
  /** Tells the worker about a lease; dropped when the channel is gone (the worker is exiting). */
  send(message: LeaseMessage): void
}

export interface SpawnOptions {
  entry: string
  args: readonly string[]
  execArgv: readonly string[]
  env: Readonly<Record<string, string>>
  sockets: readonly BoundSocket[]
  generation: number
  readyTimeout: number
  /** TLS session-ticket keys shared by every generation. */
  ticketKeys: Buffer
  /** The worker asked for a lease or gave one back. */
  onLease(worker: Worker, message: LeaseMessage): void
}

/** Hands apps that do not call `ld.listen()` the supervisor's socket (see preload.ts). */
const PRELOAD = createRequire(import.meta.url).resolve('@lameduck/reload/preload')

/**
 * Starts one worker. It inherits the bound sockets as fds 3, 4, ... and runs in its own process
 * group, so a terminal's Ctrl-C reaches the supervisor alone, which then drains it.
 */
export function spawnWorker(options: SpawnOptions): Worker {
  const fds = options.sockets.map((_, i) => 3 + i)
  // Resolved at every spawn: flipping a `current` symlink and reloading runs the new release.
  const entry = realpathSync(options.entry)
  const child: ChildProcess = fork(entry, [...options.args], {
    execArgv: ['--require', PRELOAD, ...options.execArgv],
    env: {
      ...process.env,
      ...options.env,
      [WORKER_ENV.fds]: fds.join(','),
      [WORKER_ENV.generation]: String(options.generation),
      [WORKER_ENV.ticketKeys]: options.ticketKeys.toString('base64'),
      // systemd's socket activation is meant for the supervisor, not for its workers.
      LISTEN_FDS: '',
      LISTEN_PID: '',
    },
    stdio: ['inherit', 'inherit', 'inherit', ...options.sockets.map((s) => s.fd), 'ipc'],
    detached: true,
  })
  let state: WorkerState = 'starting'
  let exitSignal: NodeJS.Signals | null = null
  const exited = once(child, 'exit').then(([code, signal]) => {
    state = 'exited'
    exitSignal = signal as NodeJS.Signals | null
    return code as number | null
  })
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new WorkerFailedError(child.pid, `not ready after ${options.readyTimeout} ms`)),
      options.readyTimeout,
    )
    child.on('message', (message: unknown) => {
      if (!isWorkerReport(message)) return
      if (message.lameduck === WORKER_MESSAGE.ready) {
        clearTimeout(timer)
        if (state === 'starting') state = 'ready'
        resolve()
      } else {
        clearTimeout(timer)
        reject(
          new WorkerFailedError(
            child.pid,
            'reported that it is not ready (its readiness checks failed)',
          ),
        )
      }
    })
    exited.then((code) => {
      clearTimeout(timer)
      reject(
        new WorkerFailedError(child.pid, `exited with ${code ?? 'a signal'} before it was ready`),
      )
    })
  })
  ready.catch(() => {})
  let draining: Promise<number | null> | undefined
  let killed = false
  child.on('message', (message: unknown) => {
    if (isLeaseMessage(message)) options.onLease(worker, message)
  })
  const closed = new Promise<void>((resolve) => {
    child.on('message', (message: unknown) => {
      if (isListenerClosed(message)) resolve()
    })
    exited.then(() => resolve())
  })
  const worker: Worker = {
    get pid() {
      return child.pid
    },
    generation: options.generation,
    get state() {
      return state
    },
    get killed() {
      return killed
    },
    get signal() {
      return exitSignal
    },
    ready,
    exited,
    closed,
    drain(reason, killAfter) {
      if (state === 'exited') return exited
      draining ??= (async () => {
        // A channel that is already gone (the worker is exiting) gets a signal instead.
        const signal = () => child.kill('SIGTERM')
        // One not ready yet may not follow the supervisor yet: SIGTERM reaches its signal handler.
        if (child.connected && state !== 'starting') {
          const request: DrainRequest = { lameduck: WORKER_MESSAGE.drain, reason }
          child.send(request, (error) => error && signal())
        } else signal()
        state = 'draining'
        const timer = setTimeout(() => {
          killed = true
          child.kill('SIGKILL')
        }, killAfter)
        const code = await exited
        clearTimeout(timer)
        return code
      })()
      return draining
    },
    kill() {
      if (state !== 'exited') child.kill('SIGKILL')
    },
    send(message) {
      if (child.connected) child.send(message, () => {})
    },
  }
  return worker
}
