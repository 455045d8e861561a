import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { request } from 'node:http'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'
import { inFlight, type RawResponse } from './raw-client.js'

export interface Child {
  process: ChildProcess
  port: number
  /** Resolves at the next stdout line equal to `text`. */
  line(text: string): Promise<void>
  /** Resolves once the fixture printed `arrived <path>`: its app has the request. */
  arrived(path: string): Promise<void>
  /** Every stdout line so far. */
  lines: string[]
  /** Every stderr line so far. */
  errors: string[]
  /** Resolves once the process has exited and its stdout and stderr are read to their end. */
  closed: Promise<void>
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Starts a fixture script in a child process and waits until it prints `{"port":N}` or
 * `listening on http://host:N`. The fixture reads `fixture` as JSON from the FIXTURE environment
 * variable; `env` adds to its environment.
 */
export async function startFixture(
  script: URL,
  fixture: unknown = {},
  env: Record<string, string> = {},
): Promise<Child> {
  const path = fileURLToPath(script)
  const child = spawn(process.execPath, [path], {
    env: { ...process.env, ...env, FIXTURE: JSON.stringify(fixture) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const closed = once(child, 'close').then(() => {})
  const exit = once(child, 'exit').then(([code, signal]) => ({ code, signal }))
  const lines: string[] = []
  const errors: string[] = []
  createInterface({ input: child.stderr! }).on('line', (line) => errors.push(line))
  const waiters: { text: string; resolve: () => void }[] = []
  let onPort: (port: number) => void = () => {}
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line)
    if (line.startsWith('{')) onPort((JSON.parse(line) as { port: number }).port)
    const listening = /^listening on http:\/\/[^:]+:(\d+)/.exec(line)
    if (listening) onPort(Number(listening[1]))
    for (const waiter of waiters.filter((w) => w.text === line)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  })
  const line = (text: string) =>
    new Promise<void>((resolve) => {
      waiters.push({ text, resolve })
    })
  const port = await new Promise<number>((resolve, reject) => {
    onPort = resolve
    exit.then(({ code }) =>
      reject(new Error(`fixture exited with ${code} before listening:\n${errors.join('\n')}`)),
    )
  })
  return {
    process: child,
    port,
    lines,
    errors,
    closed,
    exit,
    line,
    arrived: (path) => line(`arrived ${path}`),
  }
}

export interface SimpleResponse {
  status: number
  connection: string | undefined
  body: string
}

/** One GET with Node's default agent. */
export function get(port: number, path: string): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = ''
      res.on('data', (chunk) => {
        body += chunk
      })
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * Sends SIGTERM to the fixture while a request to `path` is in flight: the response its client
 * then read, and how the process ended.
 */
export async function sigtermDuring(
  child: Child,
  path: string,
): Promise<{ response: RawResponse; exit: Awaited<Child['exit']> }> {
  const raw = await inFlight(child, path)
  child.process.kill('SIGTERM')
  return { response: await raw.read(), exit: await child.exit }
}

/**
 * Sends a request, then SIGTERM once the app has it, for a drain that must cut it: resolves with
 * the request's error code (ECONNRESET when the deadline destroyed it) and the exit.
 */
export async function sigtermCutting(
  child: Child,
  path: string,
): Promise<{ error: string | undefined; exit: Awaited<Child['exit']> }> {
  const arrived = child.arrived(path)
  const cut = get(child.port, path).then(
    () => undefined,
    (error: NodeJS.ErrnoException) => error.code,
  )
  await arrived
  child.process.kill('SIGTERM')
  return { error: await cut, exit: await child.exit }
}
