import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { InvalidOptionError, type Logger } from '@lameduck/core'
import { validateDuration, validateLogger } from '@lameduck/core/adapter'

export interface ListenAddress {
  host: string
  port: number
}

export interface SuperviseOptions {
  /** The app's entry file; resolved again at every spawn, so a reload reads new code. */
  entry: string
  /** Arguments for the app. */
  args?: readonly string[] | undefined
  /** Node options for the workers, e.g. `['--enable-source-maps']`. */
  execArgv?: readonly string[] | undefined
  /** Extra environment for the workers. */
  env?: Readonly<Record<string, string>> | undefined
  /** Addresses to listen on; the supervisor binds them once and hands them to every worker. */
  listen: readonly ListenAddress[]
  /**
   * Workers per generation; `'auto'` is the number of CPUs.
   * @default 1
   */
  workers?: number | 'auto' | undefined
  /**
   * Ms from spawn to the worker's ready message, after which the reload is rolled back.
   * @default 30000
   */
  readyTimeout?: number | undefined
  /**
   * Ms an old worker may take to drain before it is killed (plus `killGrace`).
   * @default 30000
   */
  drainTimeout?: number | undefined
  /** @default 2000 */
  killGrace?: number | undefined
  /** Respawn backoff for workers that die while serving, in ms. @default { min: 100, max: 30000 } */
  respawnBackoff?: { min: number; max: number } | undefined
  /**
   * A Unix socket path to serve `lameduck reload` and `lameduck status` on, owner-only (see
   * `defaultControlPath()`); none when undefined. A symlink, a path another user owns, or a
   * directory another user owns or may write to is refused with a `ControlError`.
   */
  control?: string | undefined
  /**
   * A file, a directory (watched recursively) or a symlink such as `current`: a change reloads
   * as `reload()` does (a burst of changes within `WATCH_DEBOUNCE` ms is one reload, coalesced
   * with the other requests, rolled back if the new code is not ready). Never a path the app
   * writes to: each write would reload.
   */
  watch?: string | undefined
  /** A pino-compatible logger. @default a silent logger */
  logger?: Logger | undefined
}

export interface ResolvedSupervise {
  entry: string
  args: readonly string[]
  execArgv: readonly string[]
  env: Readonly<Record<string, string>>
  listen: readonly ListenAddress[]
  workers: number
  readyTimeout: number
  drainTimeout: number
  killGrace: number
  respawnBackoff: { min: number; max: number }
  control: string | undefined
  watch: string | undefined
  logger: Logger
}

const KEYS = new Set([
  'entry',
  'args',
  'execArgv',
  'env',
  'listen',
  'workers',
  'readyTimeout',
  'drainTimeout',
  'killGrace',
  'respawnBackoff',
  'control',
  'watch',
  'logger',
])

export function validateSupervise(input: SuperviseOptions): ResolvedSupervise {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidOptionError('options', 'an object', input)
  }
  for (const key of Object.keys(input)) {
    if (!KEYS.has(key))
      throw new InvalidOptionError(key, `one of ${[...KEYS].join(', ')}`, 'unknown key')
  }
  const { entry, listen } = input
  if (typeof entry !== 'string' || entry === '') {
    throw new InvalidOptionError('entry', 'the path of the app to run', entry)
  }
  if (!Array.isArray(listen) || listen.length === 0) {
    throw new InvalidOptionError('listen', 'at least one { host, port }', listen)
  }
  for (const address of listen) {
    if (
      typeof address?.host !== 'string' ||
      !Number.isInteger(address.port) ||
      address.port < 0 ||
      address.port > 65_535
    ) {
      throw new InvalidOptionError('listen', '{ host: string, port: 0-65535 }', address)
    }
  }
  const workers = input.workers === 'auto' ? availableParallelism() : (input.workers ?? 1)
  if (!Number.isInteger(workers) || workers < 1) {
    throw new InvalidOptionError('workers', "a positive integer or 'auto'", input.workers)
  }
  const backoff = input.respawnBackoff ?? { min: 100, max: 30_000 }
  if (typeof backoff !== 'object' || backoff === null) {
    throw new InvalidOptionError('respawnBackoff', '{ min, max } in ms', backoff)
  }
  const min = validateDuration('respawnBackoff.min', backoff.min, 0)
  const max = validateDuration('respawnBackoff.max', backoff.max, min)
  return {
    entry,
    args: strings('args', input.args),
    execArgv: strings('execArgv', input.execArgv),
    env: input.env ?? {},
    listen,
    workers,
    readyTimeout: duration('readyTimeout', input.readyTimeout, 30_000),
    drainTimeout: duration('drainTimeout', input.drainTimeout, 30_000),
    killGrace: duration('killGrace', input.killGrace, 2_000),
    respawnBackoff: { min, max },
    control: controlPath(input.control),
    watch: watchPath(input.watch),
    logger: validateLogger('logger', input.logger),
  }
}

function duration(name: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : validateDuration(name, value, 1)
}

function controlPath(value: unknown): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === '')) {
    throw new InvalidOptionError('control', 'a Unix socket path', value)
  }
  return value
}

function watchPath(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !existsSync(value)) {
    throw new InvalidOptionError('watch', 'an existing file, directory or symlink', value)
  }
  return value
}

function strings(name: string, value: unknown): readonly string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new InvalidOptionError(name, 'an array of strings', value)
  }
  return value
}

/** `host:port`, `[v6]:port` or `port` (all interfaces) as given to `--listen`. */
export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text)
  if (match === null) throw new InvalidOptionError('--listen', 'host:port or port', text)
  return { host: match[1] || match[2] || '0.0.0.0', port: Number(match[3]) }
}
