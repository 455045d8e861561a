import { spawn } from 'node:child_process'
import { once } from 'node:events'

export interface H2loadResult {
  succeeded: number
  failed: number
  /** Streams that ended in a stream or connection error; h2load never retries one. */
  errored: number
}

export interface H2loadRun {
  /** Resolves with h2load's own counts once it exits. */
  done: Promise<H2loadResult>
  /** Ends h2load early (a test that failed), so nothing outlives it. */
  kill(): void
}

/**
 * nghttp2's `h2load` (Debian's nghttp2-client) over h2c for `seconds`: `connections`
 * connections, `streams` concurrent streams on each.
 */
export function h2load(
  port: number,
  { connections = 20, streams = 10, seconds = 4, path = '/' } = {},
): H2loadRun {
  const child = spawn(
    'h2load',
    [
      '-c',
      String(connections),
      '-m',
      String(streams),
      '-D',
      String(seconds),
      `http://127.0.0.1:${port}${path}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  const done = once(child, 'exit').then(() => {
    const line = /requests: .*?(\d+) succeeded, (\d+) failed, (\d+) errored/.exec(output)
    if (line === null) throw new Error(`h2load printed no result:\n${output}`)
    const [succeeded, failed, errored] = line.slice(1).map(Number) as [number, number, number]
    return { succeeded, failed, errored }
  })
  return {
    done,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
}
