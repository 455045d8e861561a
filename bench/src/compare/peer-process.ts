import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import type { ArrivalSource } from '@lameduck/test-utils'
import { type Ask, ipcAsk } from '../harness.js'

export const PEERS = [
  'lameduck',
  'bare',
  'http-terminator',
  'stoppable',
  'terminus',
  'http-graceful-shutdown',
  'close-with-grace',
  'fastify',
] as const
export type Peer = (typeof PEERS)[number]
export type Protocol = 'h1' | 'h2'

export interface PeerOptions {
  protocol?: Protocol
  /** The shutdown deadline given to the peer, where it has one. */
  timeout?: number
  /** The readiness delay, where the peer has a way to wait before closing. */
  delay?: number
  /** The port to listen on; by default any free one. */
  port?: number
}

export interface PeerProcess extends ArrivalSource {
  ask: Ask<'heap' | 'cpu' | 'connections'>
  /** Sends SIGTERM; `exited` then resolves with the ms from the signal to the process's exit. */
  terminate(): void
  readonly exited: Promise<number>
  kill(): Promise<void>
}

/** Starts peer-server.mjs: the comparison app shut down by `peer`. */
export async function startPeer(peer: Peer, options: PeerOptions = {}): Promise<PeerProcess> {
  const { protocol = 'h1', timeout = 1_000, delay = 0, port: listenOn = 0 } = options
  const child: ChildProcess = fork(
    new URL('./peer-server.mjs', import.meta.url),
    [peer, protocol, String(timeout), String(delay), String(listenOn)],
    { execArgv: ['--expose-gc'], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] },
  )
  let signalled = 0
  const exit = once(child, 'exit').then(() => performance.now())
  // Its output is not shown (peers log), so a peer that cannot start must say so here.
  const failed = exit.then(() => {
    throw new Error(`${peer} exited (${child.exitCode ?? child.signalCode}) before listening`)
  })
  const [{ port }] = (await Promise.race([once(child, 'message'), failed])) as [{ port: number }]
  return {
    port,
    arrived(path) {
      return new Promise((resolve) => {
        const onMessage = (message: { arrived?: string }) => {
          if (message.arrived === undefined || !message.arrived.startsWith(path)) return
          child.off('message', onMessage)
          resolve()
        }
        child.on('message', onMessage)
      })
    },
    ask: ipcAsk(child),
    terminate() {
      signalled = performance.now()
      child.kill('SIGTERM')
    },
    exited: exit.then((at) => at - signalled),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await exit
    },
  }
}
