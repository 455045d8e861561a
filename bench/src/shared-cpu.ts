// The adapters' throughput, measured with both servers of a pair (the app without and with its
// adapter) running at once on one CPU, each loaded by its own wrk on another CPU: a core's speed
// can drift by ±20 % over seconds on a shared VM, which two servers measured one after the other
// see differently, and two that share one CPU at the same moment see alike, so it cancels out of
// their ratio (docs/benchmarks.md, "What each table measures").
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { median } from '@lameduck/test-utils'
import { type Mode, type ServerProcess, startServer, type Variant } from './harness.js'

const SERVER_CPU = 1
const LOAD_CPU = 0

/** taskset (util-linux) can pin processes, and there is a CPU for the servers and one for wrk. */
export const pinned =
  availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0
const launch = pinned ? { wrapper: ['taskset', '-c', `${SERVER_CPU}`] } : {}

/** wrk's version (`wrk -v` prints it and exits 1), or undefined when wrk is not on the PATH. */
export const wrkVersion = ((): string | undefined => {
  const { error, stdout } = spawnSync('wrk', ['-v'], { encoding: 'utf8' })
  if (error !== undefined) return undefined
  return /^wrk (\S+)/.exec(stdout)?.[1] ?? 'unknown'
})()

/** One server's share of a round. */
export interface Served {
  requests: number
  /** Server CPU µs (all its threads) over the round. */
  cpu: number
}

export interface SharedCpuPairs {
  rounds: Record<Variant, Served>[]
  /** Each round's lameduck requests per CPU-second / bare's. */
  ratios: number[]
  /** Their median. */
  ratio: number
  /** Median over the rounds of lameduck's requests / bare's, in the same seconds on the same CPU. */
  requestRatio: number
  /** Median requests per CPU-second of each. */
  perCpuSecond: Record<Variant, number>
}

/**
 * Starts `processes` fresh pairs of servers (`modes`: without and with lameduck), the one started
 * first alternating, and runs `rounds` rounds of `seconds` on each pair after a discarded warm-up
 * of twice that: both servers loaded at once on one CPU, the wrk started first alternating. Fresh pairs,
 * because a process keeps its own speed: two identical Koa servers differed by up to 2.5 % over
 * 8 rounds, and by the same again with another pair of processes.
 */
export async function sharedCpuPairs(
  modes: Record<Variant, Mode>,
  processes: number,
  rounds: number,
  seconds: number,
): Promise<SharedCpuPairs> {
  const results: Record<Variant, Served>[] = []
  for (let p = 0; p < processes; p++) {
    const order: Variant[] = p % 2 === 0 ? ['bare', 'lameduck'] : ['lameduck', 'bare']
    const servers = {} as Record<Variant, ServerProcess>
    try {
      for (const v of order) servers[v] = await startServer(modes[v], 1_000, launch)
      // Two rounds' worth: after one, two identical fresh Koa servers, the machine loaded, still
      // differed by 10 % and 15 % in the next two rounds and by under 4 % in the 14 after.
      await round(servers, 2 * seconds, 'bare')
      for (let i = 0; i < rounds; i++) {
        results.push(await round(servers, seconds, i % 2 === 0 ? 'lameduck' : 'bare'))
      }
    } finally {
      await Promise.all(Object.values(servers).map((server) => server.stop()))
    }
  }
  const perCpuSecond = (s: Served) => s.requests / (s.cpu / 1e6)
  const ratios = results.map((r) => perCpuSecond(r.lameduck) / perCpuSecond(r.bare))
  return {
    rounds: results,
    ratios,
    ratio: median(ratios),
    requestRatio: median(results.map((r) => r.lameduck.requests / r.bare.requests)),
    perCpuSecond: {
      bare: median(results.map((r) => perCpuSecond(r.bare))),
      lameduck: median(results.map((r) => perCpuSecond(r.lameduck))),
    },
  }
}

async function round(
  servers: Record<Variant, ServerProcess>,
  seconds: number,
  first: Variant,
): Promise<Record<Variant, Served>> {
  const order: Variant[] = first === 'bare' ? ['bare', 'lameduck'] : ['lameduck', 'bare']
  const before = await Promise.all(order.map((v) => servers[v].ask('cpu')))
  const requests = await Promise.all(order.map((v) => wrk(servers[v].port, seconds)))
  const after = await Promise.all(order.map((v) => servers[v].ask('cpu')))
  const served = (i: number): Served => ({
    requests: requests[i]!,
    cpu: after[i]!.micros - before[i]!.micros,
  })
  return first === 'bare'
    ? { bare: served(0), lameduck: served(1) }
    : { lameduck: served(0), bare: served(1) }
}

/**
 * wrk, one thread, 50 keep-alive connections of GET / for `seconds` (with `headers`, each
 * `name: value`): the requests answered.
 */
export async function wrk(port: number, seconds: number, headers: string[] = []): Promise<number> {
  // Next answers a few hundred a second on half a CPU, so some of 50 waiting take over wrk's
  // default 2 s timeout; past 10 s, something is wrong.
  const args = [
    '-t1',
    '-c50',
    '--timeout',
    '10s',
    `-d${seconds}s`,
    ...headers.flatMap((header) => ['-H', header]),
    `http://127.0.0.1:${port}/`,
  ]
  const child = pinned
    ? spawn('taskset', ['-c', `${LOAD_CPU}`, 'wrk', ...args])
    : spawn('wrk', args)
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk
  })
  // 'close', not 'exit': the output can still be in the pipe when wrk has exited.
  const [code] = await once(child, 'close')
  const requests = /(\d+) requests in/.exec(output)
  // A server that fails requests would look fast: any error or non-2xx spoils the round.
  if (code !== 0 || requests === null || /Non-2xx|Socket errors/.test(output)) {
    throw new Error(`wrk against port ${port} (exit ${code}): ${output}`)
  }
  return Number(requests[1])
}

/**
 * Starts counting the CPU time of every other process on the machine (Linux: all CPUs' busy time
 * in /proc/stat less this process's and its reaped children's); the function it returns gives
 * their average since, in CPUs, or undefined where /proc is missing. Ticks against exact process
 * times: about ±0.2 of a CPU while the bench itself keeps both busy (0.16 with only a child of
 * this process busy for 2 s, 0.9 with a busy loop outside it).
 */
export function otherProcessesCpu(): () => number | undefined {
  const start = cpuSample()
  return () => {
    const end = cpuSample()
    if (start === undefined || end === undefined) return undefined
    return (end.busy - start.busy - (end.own - start.own)) / (end.wall - start.wall)
  }
}

// Both files count in clock ticks, USER_HZ, which is 100 on Linux.
const TICK = 0.01

function cpuSample(): { busy: number; own: number; wall: number } | undefined {
  try {
    const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number)
    const self = readFileSync('/proc/self/stat', 'utf8')
    // After the command's ")": state is field 3, then utime, stime, cutime, cstime are 14–17.
    const [utime, stime, cutime, cstime] = self
      .slice(self.lastIndexOf(')') + 2)
      .split(' ')
      .slice(11, 15)
      .map(Number)
    return {
      busy: (user! + nice! + system! + irq! + softirq!) * TICK,
      own: (utime! + stime! + cutime! + cstime!) * TICK,
      wall: performance.now() / 1000,
    }
  } catch {
    return undefined
  }
}
