// `lameduck reload` and `lameduck status` talk to a running supervisor over a Unix socket: one
// line in ("reload" or "status"), one JSON line out. Reloading is a privileged act, so the socket
// is the owner's alone: 0600, in a 0700 directory of the user's, and a path another user could
// have prepared (a symlink, a file of theirs, a directory they own) is refused.
import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync, type Stats, statSync } from 'node:fs'
import { createConnection, createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { ControlError, InvalidOptionError } from '@lameduck/core'
import type { Supervisor } from './supervisor.js'

/** The longest command line accepted, in characters; the commands are a few. */
export const MAX_COMMAND_LENGTH = 64

const uid = process.getuid?.()

/**
 * The caller's own directory of control sockets: `$XDG_RUNTIME_DIR/lameduck` when set (a
 * per-user directory the system cleans at logout), else `lameduck-<uid>` in the temp directory.
 */
export function controlDir(env: NodeJS.ProcessEnv = process.env): string {
  if (typeof env !== 'object' || env === null) {
    throw new InvalidOptionError('controlDir(env)', 'an environment object', env)
  }
  const runtime = env.XDG_RUNTIME_DIR
  return runtime ? join(runtime, 'lameduck') : join(tmpdir(), `lameduck-${uid ?? 'user'}`)
}

export function defaultControlPath(pid = process.pid): string {
  return join(controlDir(), `${pid}.sock`)
}

/** Serves `path` until the returned server is closed; refuses a path that is not safely ours. */
export async function serveControl(supervisor: Supervisor, path: string): Promise<Server> {
  const dir = dirname(path)
  if (dir === controlDir()) ownDirectory(dir)
  else checkDirectory(dir)
  const existing = stat(path)
  if (existing !== undefined) {
    // A socket of ours left by a supervisor that died; anything else is not ours to remove.
    if (existing.isSymbolicLink()) throw new ControlError(path, 'is a symlink; refusing to use it')
    if (!owned(existing)) throw new ControlError(path, 'belongs to another user; refusing it')
    if (!existing.isSocket()) throw new ControlError(path, 'exists and is not a socket')
    rmSync(path)
  }
  const server = createServer((socket) => {
    socket.setEncoding('utf8')
    let line = ''
    const onData = async (chunk: string) => {
      line += chunk
      const end = line.indexOf('\n')
      if (end === -1 && line.length <= MAX_COMMAND_LENGTH) return
      socket.off('data', onData)
      const command = end === -1 || end > MAX_COMMAND_LENGTH ? undefined : line.slice(0, end).trim()
      const answer =
        command === 'reload'
          ? await supervisor.reload()
          : command === 'status'
            ? supervisor.status()
            : {
                ok: false,
                error:
                  command === undefined
                    ? `command longer than ${MAX_COMMAND_LENGTH} characters`
                    : `unknown command ${JSON.stringify(command)}`,
              }
      socket.end(`${JSON.stringify(answer)}\n`)
    }
    socket.on('data', onData)
    socket.on('error', () => {})
  })
  server.unref()
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new ControlError(path, `cannot listen: ${error.message}`, { cause: error })),
    )
    // Connecting to a Unix socket takes write permission on it. The socket file is created
    // synchronously in listen(), so the umask makes it 0600 from the start, not just after a chmod.
    const umask = process.umask(0o177)
    try {
      server.listen(path, resolve)
    } finally {
      process.umask(umask)
    }
  })
  chmodSync(path, 0o600)
  return server
}

/** Sends one command and resolves with the supervisor's answer. */
export function sendControl(path: string, command: 'reload' | 'status'): Promise<unknown> {
  if (typeof path !== 'string' || path === '') {
    return Promise.reject(new InvalidOptionError('sendControl(path)', 'a socket path', path))
  }
  if (command !== 'reload' && command !== 'status') {
    return Promise.reject(
      new InvalidOptionError('sendControl(command)', '"reload" or "status"', command),
    )
  }
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
      } catch (error) {
        reject(new ControlError(path, `unexpected answer: ${answer}`, { cause: error }))
      }
    })
    socket.on('error', (error) =>
      reject(
        new ControlError(path, `cannot reach the supervisor: ${error.message}`, { cause: error }),
      ),
    )
  })
}

/**
 * The control socket of the caller's only running supervisor, when there is exactly one: other
 * users' supervisors are not in the caller's directory, and a socket there that is not the
 * caller's own is ignored.
 */
export function findControlPath(): string | undefined {
  const dir = controlDir()
  const info = stat(dir)
  if (info === undefined || !info.isDirectory() || !owned(info)) return undefined
  const live = readdirSync(dir)
    .map((name) => /^(\d+)\.sock$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && alive(Number(m[1])))
    .map((m) => join(dir, m[0]))
    .filter((path) => {
      const socket = stat(path)
      return socket?.isSocket() === true && owned(socket)
    })
  return live.length === 1 ? live[0] : undefined
}

/** Creates the caller's control directory (0700), or checks that the one there is theirs alone. */
function ownDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const info = lstatSync(dir)
  if (info.isSymbolicLink() || !info.isDirectory()) {
    throw new ControlError(dir, 'is not a directory (a symlink?); refusing to use it')
  }
  if (!owned(info)) throw new ControlError(dir, 'belongs to another user; refusing it')
  if ((info.mode & 0o777) !== 0o700) chmodSync(dir, 0o700)
}

/**
 * A directory given with --control: refused when another user (root aside) owns it, or when
 * others may write to it without the sticky bit that stops them replacing our socket.
 */
function checkDirectory(dir: string): void {
  // Followed if a symlink: what matters is who owns the directory the socket ends up in.
  let info: Stats
  try {
    info = statSync(dir)
  } catch (error) {
    throw new ControlError(dir, 'is not an existing directory', { cause: error })
  }
  if (!info.isDirectory()) {
    throw new ControlError(dir, 'is not an existing directory')
  }
  if (!owned(info) && info.uid !== 0) {
    throw new ControlError(dir, 'belongs to another user; refusing to put the control socket there')
  }
  if ((info.mode & 0o022) !== 0 && (info.mode & 0o1000) === 0) {
    throw new ControlError(
      dir,
      'is writable by other users; refusing to put the control socket there',
    )
  }
}

function owned(info: Stats): boolean {
  return uid === undefined || info.uid === uid
}

function stat(path: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
