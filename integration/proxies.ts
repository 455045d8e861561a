import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { freePort, waitForPort } from '@lameduck/test-utils'
import { onTestFinished } from 'vitest'

export { freePort, waitForPort }

async function run(
  command: string,
  args: string[],
  port: number,
  dir: string,
  onStderr?: (line: string) => void,
): Promise<ChildProcess> {
  const stderr = onStderr === undefined ? 'inherit' : 'pipe'
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', stderr] })
  if (onStderr !== undefined) createInterface({ input: child.stderr! }).on('line', onStderr)
  const exited = once(child, 'exit')
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })
  await waitForPort(port)
  return child
}

/**
 * HAProxy on 127.0.0.1:`port`, health-checking `upstreams` on /readyz every 200 ms; `onLog` gets
 * its stderr lines (server state changes among them) instead of the test's stderr.
 */
export async function startHaproxy(
  port: number,
  upstreams: number[],
  onLog?: (line: string) => void,
) {
  const dir = mkdtempSync(join(tmpdir(), 'lameduck-haproxy-'))
  const config = join(dir, 'haproxy.cfg')
  writeFileSync(
    config,
    `global
  maxconn 2000
defaults
  mode http
  timeout connect 1s
  timeout client 10s
  timeout server 10s
  retries 3
  option redispatch
  retry-on conn-failure empty-response
frontend web
  bind 127.0.0.1:${port}
  default_backend app
backend app
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 200 fall 1 rise 1
  ${upstreams.map((p, i) => `server s${i} 127.0.0.1:${p} check`).join('\n  ')}
`,
  )
  return run('haproxy', ['-db', '-f', config], port, dir, onLog)
}
