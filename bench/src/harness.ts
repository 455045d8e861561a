import { type ChildProcess, fork, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { connect, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { ShutdownReport } from '@lameduck/core'
import { keepAliveLoad, type LoadClient, type LoadResult, median } from '@lameduck/test-utils'

export type Variant = 'bare' | 'lameduck'
export type Framework =
  | 'fastify'
  | 'express'
  | 'koa'
  | 'hono'
  | 'hono+mw'
  | 'hono+ldmw'
  | 'nestjs'
  | 'next'
  | 'h2'
  | 'ws'
/** node:http bare or with lameduck, or a framework app without and with its adapter. */
export type Mode = Variant | `${Framework}-${Variant}`

/** What each command of the bench's IPC dialect (ipc.mjs) answers. */
export interface Answers {
  heap: { heap: number }
  cpu: { micros: number }
  connections: { connections: number }
  /** server.mjs only: shuts the server down in process. */
  shutdown: { ms: number; report: ShutdownReport }
  /** spread-server.mjs only: when each connection arrived (Date.now()) since the last ask. */
  arrivals: { arrivals: number[] }
  /** spread-server.mjs only: heap and RSS after two collections, in bytes. */
  memory: { heap: number; rss: number }
}

/** Sends one command to a child server and resolves with its answer. */
export type Ask<C extends keyof Answers = keyof Answers> = <K extends C>(
  command: K,
) => Promise<Answers[K]>

export interface ServerProcess {
  port: number
  pid: number
  ask: Ask
  stop(): Promise<void>
}

/** Builds examples/nextjs for production once (`next build`): the next rows serve it. */
export function buildNextExample(): void {
  const dir = fileURLToPath(new URL('../../examples/nextjs/', import.meta.url))
  if (existsSync(`${dir}.next/BUILD_ID`)) return
  const next = createRequire(`${dir}package.json`).resolve('next/dist/bin/next')
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }
  const { status } = spawnSync(process.execPath, [next, 'build'], {
    cwd: dir,
    env,
    stdio: 'inherit',
  })
  if (status !== 0) throw new Error(`next build of examples/nextjs failed (${status})`)
}

/** How a bench server's node is started, beyond `node --expose-gc server.mjs <mode> <grace>`. */
export interface Launch {
  /** A command that runs node with the arguments after it (taskset, valgrind). */
  wrapper?: readonly string[]
  /** Node flags besides --expose-gc. */
  execArgv?: readonly string[]
}

/**
 * Starts server.mjs in its own process, through `launch.wrapper` if given (it execs node, keeping
 * fork's IPC channel); `ask` sends it a command and awaits the answer.
 */
export async function startServer(
  mode: Mode,
  idleGrace = 1_000,
  launch: Launch = {},
): Promise<ServerProcess> {
  const execArgv = ['--expose-gc', ...(launch.execArgv ?? [])]
  const [command, ...args] = launch.wrapper ?? []
  const child: ChildProcess = fork(
    new URL('./server.mjs', import.meta.url),
    [mode, `${idleGrace}`],
    command === undefined
      ? { execArgv }
      : { execPath: command, execArgv: [...args, process.execPath, ...execArgv] },
  )
  // A server that fails to start exits without a word (the frameworks' loggers are off): say so
  // rather than wait for its port forever.
  const port = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`server.mjs ${mode} exited (${code})`))
    child.once('exit', onExit)
    child.once('message', (message: { port: number }) => {
      child.off('exit', onExit)
      resolve(message.port)
    })
  })
  return {
    port,
    pid: child.pid!,
    ask: ipcAsk(child),
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGKILL')
      await once(child, 'exit')
    },
  }
}

/** Sends a child a command over IPC; the answer is the message that carries the same id. */
export function ipcAsk(child: ChildProcess): Ask {
  let next = 0
  return <K extends keyof Answers>(command: K): Promise<Answers[K]> => {
    const id = ++next
    return new Promise((resolve) => {
      const onMessage = (message: { id?: number }) => {
        if (message.id !== id) return
        child.off('message', onMessage)
        resolve(message as unknown as Answers[K])
      }
      child.on('message', onMessage)
      child.send({ id, command })
    })
  }
}

/**
 * Runs a 50-connection keep-alive load, starts the shutdown once the server has accepted every
 * connection, and resolves with what the clients saw. Waiting for the accepts matters: a
 * connection still in the kernel's accept queue when the listener closes is reset whatever the
 * server does (the readiness delay is the cure for that, and is not what this measures).
 */
export async function shutdownUnderLoad(
  port: number,
  client: LoadClient,
  accepted: () => Promise<number>,
  shutdown: () => unknown,
): Promise<LoadResult> {
  const load = keepAliveLoad({ port, client, connections: 50, maxDuration: 4_000 })
  while ((await accepted()) < 50) await new Promise((resolve) => setTimeout(resolve, 5))
  await new Promise((resolve) => setTimeout(resolve, 100))
  shutdown()
  return load.done
}

/** Opens `count` keep-alive sockets that have each completed one request. */
export async function idleSockets(port: number, count: number, batch = 250): Promise<Socket[]> {
  const sockets: Socket[] = []
  for (let i = 0; i < count; i += batch) {
    const opened = await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, async () => {
        const socket = connect({ port, host: '127.0.0.1' })
        socket.on('error', () => {})
        await once(socket, 'connect')
        socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n')
        await once(socket, 'data')
        return socket
      }),
    )
    sockets.push(...opened)
  }
  return sockets
}

export const round = (value: number, digits = 1) => Number(value.toFixed(digits))

export interface Measured {
  /** Requests a second. */
  rate: number
  /** Server CPU µs per request. */
  cpu: number
}

export interface Paired {
  runs: Record<Variant, Measured[]>
  /** Median over the pairs of lameduck's rate / bare's rate. */
  ratio: number
  /** Median over the pairs of bare's CPU per request / lameduck's. */
  cpuRatio: number
}

/**
 * Measures bare and lameduck in alternating pairs (A B, then B A) after one discarded warm-up
 * run of each: the load generator shares the machine and warms up as it goes.
 */
export async function alternatePairs(
  rounds: number,
  measure: (variant: Variant) => Promise<Measured>,
): Promise<Paired> {
  await measure('bare')
  await measure('lameduck')
  const runs: Record<Variant, Measured[]> = { bare: [], lameduck: [] }
  for (let i = 0; i < rounds; i++) {
    const order: Variant[] = i % 2 === 0 ? ['bare', 'lameduck'] : ['lameduck', 'bare']
    for (const variant of order) runs[variant].push(await measure(variant))
  }
  return {
    runs,
    ratio: median(runs.bare.map((bare, i) => runs.lameduck[i]!.rate / bare.rate)),
    cpuRatio: median(runs.bare.map((bare, i) => bare.cpu / runs.lameduck[i]!.cpu)),
  }
}
