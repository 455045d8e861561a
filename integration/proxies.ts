import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectOutcome } from '@lameduck/test-utils'
import { onTestFinished } from 'vitest'

/** A port free right now on 127.0.0.1 (proxies need ports in their configuration up front). */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

export async function waitForPort(port: number): Promise<void> {
  while ((await connectOutcome(port)) !== 'connected') {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function run(
  command: string,
  args: string[],
  port: number,
  dir: string,
): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] })
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

export interface Nginx {
  process: ChildProcess
  /** How many responses nginx has logged, by status. */
  statuses(): Record<string, number>
}

/** nginx on 127.0.0.1:`port`, proxying to `upstreams` with keep-alive upstream connections. */
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
  const child = await run('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], port, dir)
  return {
    process: child,
    statuses() {
      const counts: Record<string, number> = {}
      for (const status of readFileSync(join(dir, 'access.log'), 'latin1').split('\n')) {
        if (status !== '') counts[status] = (counts[status] ?? 0) + 1
      }
      return counts
    },
  }
}

/** HAProxy on 127.0.0.1:`port`, health-checking `upstreams` on /readyz every 200 ms. */
export async function startHaproxy(port: number, upstreams: number[]) {
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
  return run('haproxy', ['-db', '-f', config], port, dir)
}
