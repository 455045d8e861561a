import { spawn } from 'node:child_process'
import { once } from 'node:events'

export interface H2loadResult {
  /** Requests h2load was to make: `requests`, or as many as `seconds` allowed. */
  total: number
  /** Requests h2load submitted to its HTTP/2 session, sent or not. */
  started: number
  succeeded: number
  failed: number
  /**
   * Requests that ended in a stream or connection error, h2load never retrying one; with
   * `requests`, also those it never started because every connection had closed.
   */
  errored: number
}

export interface H2loadRun {
  /** Resolves with h2load's own counts once it exits. */
  done: Promise<H2loadResult>
  /** Ends h2load early (a test that failed), so nothing outlives it. */
  kill(): void
}

export interface H2loadOptions {
  connections?: number
  /** Concurrent streams on each connection. */
  streams?: number
  /** Runs for this long. */
  seconds?: number
  /**
   * Makes this many requests instead, and exits as soon as they are done or every connection
   * has closed: h2load opens no new connection after a GOAWAY.
   */
  requests?: number
  path?: string
  /** Over TLS (h2 by ALPN) instead of h2c. */
  tls?: boolean
}

/**
 * nghttp2's `h2load` (Debian's nghttp2-client) over h2c or TLS: `connections` connections, `streams`
 * concurrent streams on each, for `seconds` or `requests`.
 */
export function h2load(
  port: number,
  {
    connections = 20,
    streams = 10,
    seconds = 4,
    requests,
    path = '/',
    tls = false,
  }: H2loadOptions = {},
): H2loadRun {
  const child = spawn(
    'h2load',
    [
      '-c',
      String(connections),
      '-m',
      String(streams),
      ...(requests === undefined ? ['-D', String(seconds)] : ['-n', String(requests)]),
      `${tls ? 'https' : 'http'}://127.0.0.1:${port}${path}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  const done = once(child, 'exit').then(() => {
    const line =
      /requests: (\d+) total, (\d+) started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(
        output,
      )
    if (line === null) throw new Error(`h2load printed no result:\n${output}`)
    const [total, started, succeeded, failed, errored] = line.slice(1).map(Number) as number[]
    return {
      total: total!,
      started: started!,
      succeeded: succeeded!,
      failed: failed!,
      errored: errored!,
    }
  })
  return {
    done,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
}
