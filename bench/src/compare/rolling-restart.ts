// The listener-close race, as a deploy meets it: nginx in front of a static upstream of two
// instances of the peer, a keep-alive pool, POSTs from wrk (nginx retries none once sent), and
// SIGTERM rolling restarts. Every 5xx nginx answered is a request lost.
import { spawnSync } from 'node:child_process'
import { freePort, serverErrors, startNginx, within, wrkPost } from '@lameduck/test-utils'
import { type Peer, type PeerProcess, startPeer } from './peer-process.js'

/** The deadline each instance is given; one still running this long after it is killed. */
const TIMEOUT = 3_000
const KILL_AFTER = TIMEOUT + 2_000

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const installed = (command: string) => spawnSync(command, ['-v']).error === undefined

/** nginx's version (`nginx -v` prints it on stderr), or 'missing'. */
export function nginxVersion(): string {
  const { error, stderr } = spawnSync('nginx', ['-v'], { encoding: 'utf8' })
  if (error !== undefined) return 'missing'
  return /nginx\/(\S+)/.exec(stderr)?.[1] ?? 'unknown'
}

export interface RollingOutcome {
  /** 5xx answered by nginx. */
  failed: number
  answered: number
  /** Instances still running `KILL_AFTER` ms after SIGTERM, then killed (as a deploy does). */
  killed: number
}

/** `rolls` rolling restarts of two instances of `peer` under 50 connections of POSTs. */
export async function postRollingRestart(
  peer: Peer,
  rolls = 2,
): Promise<RollingOutcome | undefined> {
  if (!installed('nginx') || !installed('wrk')) return undefined
  const ports = [await freePort(), await freePort()]
  const instances: PeerProcess[] = await Promise.all(
    ports.map((port) => startPeer(peer, { timeout: TIMEOUT, port })),
  )
  const front = await freePort()
  const nginx = await startNginx(front, ports)
  const load = wrkPost(front)
  try {
    let killed = 0
    await pause(1_000)
    for (let roll = 0; roll < rolls; roll++) {
      for (const [i, port] of ports.entries()) {
        const old = instances[i]!
        old.terminate()
        if ((await within(old.exited, KILL_AFTER, undefined)) === undefined) {
          killed++
          await old.kill()
        }
        instances[i] = await startPeer(peer, { timeout: TIMEOUT, port })
        await pause(500)
      }
    }
    await pause(500)
    await load.stop()
    const statuses = nginx.statuses()
    return { failed: serverErrors(statuses), answered: statuses['200'] ?? 0, killed }
  } finally {
    load.process.kill('SIGKILL')
    await nginx.stop()
    await Promise.all(instances.map((p) => p.kill()))
  }
}
