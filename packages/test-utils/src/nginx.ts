// nginx and wrk, shared by the integration tests and `pnpm bench:compare`: a real front and a
// load generator nobody here wrote, in C, so that the client does not compete with the apps for
// the CPU. Both must be on the PATH.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectOutcome } from './raw-client.js'

/** A port free right now on 127.0.0.1 (fronts need their upstreams' ports up front). */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

/**
 * Resolves once 127.0.0.1:`port` accepts a connection, trying every 20 ms (a child that binds it
 * says nothing on its own); rejects after `within` ms, so the loop never outlives its test.
 */
export async function waitForPort(port: number, within = 10_000): Promise<void> {
  const deadline = Date.now() + within
  while ((await connectOutcome(port)) !== 'connected') {
    if (Date.now() >= deadline)
      throw new Error(`nothing accepted on 127.0.0.1:${port} in ${within} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export interface Nginx {
  process: ChildProcess
  /** How many responses nginx has logged, by status. */
  statuses(): Record<string, number>
  /** Stops nginx and removes its directory. */
  stop(): Promise<void>
}

/**
 * nginx on 127.0.0.1:`port` in front of a static upstream of `upstreams`, with a keep-alive pool
 * (`keepalive 32`, HTTP/1.1, no `Connection` header passed on) and `max_fails=0`, logging each
 * response's status.
 */
export async function startNginx(port: number, upstreams: number[]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'lameduck-nginx-'))
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `${kind}_temp_path ${dir}/${kind};`)
    .join('\n  ')
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  log_format status '$status';
  access_log ${dir}/access.log status;
  ${temp}
  upstream app {
    ${upstreams.map((p) => `server 127.0.0.1:${p} max_fails=0;`).join('\n    ')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout;
    }
  }
}
`,
  )
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const exited = once(child, 'exit')
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const failed = exited.then(() => {
    throw new Error(`nginx exited (${child.exitCode ?? child.signalCode}) before listening`)
  })
  await Promise.race([waitForPort(port), failed]).catch(async (error: unknown) => {
    await stop()
    throw error
  })
  return {
    process: child,
    statuses() {
      const counts: Record<string, number> = {}
      for (const status of readFileSync(join(dir, 'access.log'), 'latin1').split('\n')) {
        if (status !== '') counts[status] = (counts[status] ?? 0) + 1
      }
      return counts
    },
    stop,
  }
}

/** Responses nginx answered 5xx: requests the client saw fail. */
export function serverErrors(statuses: Record<string, number>): number {
  let failed = 0
  for (const [status, count] of Object.entries(statuses)) if (status >= '500') failed += count
  return failed
}

export interface WrkSummary {
  requests: number
  non2xx: number
  socketErrors: string
}

export interface Wrk {
  process: ChildProcess
  /** Stops the load (wrk prints its summary on SIGINT) and reads the summary. */
  stop(): Promise<WrkSummary>
}

const postScript = fileURLToPath(new URL('./post.lua', import.meta.url))

/** wrk: `connections` keep-alive connections looping POSTs to 127.0.0.1:`port` until `stop()`. */
export function wrkPost(port: number, connections = 50): Wrk {
  const child = spawn(
    'wrk',
    ['-t1', `-c${connections}`, '-d60s', '-s', postScript, `http://127.0.0.1:${port}/`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk
  })
  const exited = once(child, 'exit')
  return {
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT')
      await exited
      const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? 0)
      return {
        requests: number(/(\d+) requests in/),
        non2xx: number(/Non-2xx or 3xx responses: (\d+)/),
        socketErrors: /Socket errors: (.*)/.exec(output)?.[1] ?? 'none',
      }
    },
  }
}
