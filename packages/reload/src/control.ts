// `lameduck reload` and `lameduck status` talk to a running supervisor over a Unix socket: one
// line in ("reload" or "status"), one JSON line out.
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Supervisor } from './supervisor.js'

export function defaultControlPath(pid = process.pid): string {
  return join(tmpdir(), `lameduck-${pid}.sock`)
}

export async function serveControl(supervisor: Supervisor, path: string): Promise<Server> {
  if (existsSync(path)) rmSync(path)
  const server = createServer((socket) => {
    socket.setEncoding('utf8')
    let line = ''
    socket.on('data', async (chunk) => {
      line += chunk
      if (!line.includes('\n')) return
      const command = line.trim()
      const answer =
        command === 'reload'
          ? await supervisor.reload()
          : command === 'status'
            ? supervisor.status()
            : { ok: false, error: `unknown command ${JSON.stringify(command)}` }
      socket.end(`${JSON.stringify(answer)}\n`)
    })
    socket.on('error', () => {})
  })
  server.unref()
  await new Promise<void>((resolve) => server.listen(path, resolve))
  return server
}

/** Sends one command and resolves with the supervisor's answer. */
export function sendControl(path: string, command: 'reload' | 'status'): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path)
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('connect', () => socket.write(`${command}\n`))
    socket.on('data', (chunk) => {
      answer += chunk
    })
    socket.on('end', () => {
      try {
        resolve(JSON.parse(answer))
      } catch {
        reject(new Error(`unexpected answer from ${path}: ${answer}`))
      }
    })
    socket.on('error', reject)
  })
}

/** The control socket of the only supervisor running, when there is exactly one. */
export function findControlPath(): string | undefined {
  const live = readdirSync(tmpdir())
    .map((name) => /^lameduck-(\d+)\.sock$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && alive(Number(m[1])))
    .map((m) => join(tmpdir(), m[0]))
  return live.length === 1 ? live[0] : undefined
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
