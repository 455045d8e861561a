import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'

const SCRIPT = fileURLToPath(new URL('./service-manager.py', import.meta.url))

export interface Datagram {
  text: string
  /** The sender, as the kernel vouches (SCM_CREDENTIALS). */
  pid: number
  /** The receiver's CLOCK_MONOTONIC when it read the datagram, in µs. */
  at: number
  /** What each fd handed with it is. */
  fds: { port?: number | null; listening?: boolean; type?: number }[]
}

export type ServiceEvent = { datagram: Datagram } | { started: number } | { exited: number }

export interface ServiceManager {
  process: ChildProcess
  /** Every event so far, in order. */
  events: ServiceEvent[]
  /** The datagrams so far, in order. */
  datagrams(): Datagram[]
  /** Resolves at the `n`th datagram (1-based), received or to come. */
  datagram(n: number): Promise<Datagram>
  /** Resolves at the first event (past or to come) after the `skip` first that matches. */
  next<E extends ServiceEvent>(
    match: (event: ServiceEvent) => event is E,
    skip?: number,
  ): Promise<E>
  /** Runs the service (`argv`) as systemd would: NOTIFY_SOCKET, the fd store as LISTEN_FDS. */
  start(argv: string[]): void
  signal(name: NodeJS.Signals): void
}

export const isDatagram = (event: ServiceEvent): event is { datagram: Datagram } =>
  'datagram' in event
export const isExit = (event: ServiceEvent): event is { exited: number } => 'exited' in event
export const isStart = (event: ServiceEvent): event is { started: number } => 'started' in event

/**
 * A stand-in for systemd's service manager (service-manager.py, Python): the notification socket
 * at `path` (absolute, or @name), the fd store, and starting the service with what it stored.
 * The service gets `env` on top of this process's environment. Bounded: it ends after `limitMs`,
 * and with the test.
 */
export async function startServiceManager(
  path: string,
  { limitMs = 60_000, env = {} }: { limitMs?: number; env?: Record<string, string> } = {},
): Promise<ServiceManager> {
  const child = spawn('python3', [SCRIPT, path, String(limitMs / 1000)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  onTestFinished(async () => {
    child.stdin!.end()
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref()
      await exited
    }
  })
  const events: ServiceEvent[] = []
  const waiters: { check: () => boolean }[] = []
  const lines = createInterface({ input: child.stdout! })
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`service-manager.py exited with ${code}`)))
    lines.once('line', () => resolve())
  })
  lines.on('line', (line) => {
    events.push(JSON.parse(line) as ServiceEvent)
    for (const waiter of [...waiters])
      if (waiter.check()) waiters.splice(waiters.indexOf(waiter), 1)
  })
  const send = (command: object) => child.stdin!.write(`${JSON.stringify(command)}\n`)
  const datagrams = () => events.filter(isDatagram).map((event) => event.datagram)
  const when = <T>(find: () => T | undefined) =>
    new Promise<T>((resolve) => {
      const check = () => {
        const found = find()
        if (found !== undefined) resolve(found)
        return found !== undefined
      }
      if (!check()) waiters.push({ check })
    })
  return {
    process: child,
    events,
    datagrams,
    datagram: (n) => when(() => datagrams()[n - 1]),
    next: (match, skip = 0) => when(() => events.slice(skip).find(match)),
    start: (argv) => send({ start: argv }),
    signal: (name) => send({ signal: name }),
  }
}
