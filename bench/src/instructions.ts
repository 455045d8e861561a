// Instructions per request, counted by valgrind's callgrind: a measure CPU time cannot give on a
// VM whose cores drift (shared-cpu.ts). V8 runs with --predictable (one thread, GC and compiles at
// fixed points) and one connection sends the requests one by one, so a configuration counts the
// same from one process to the next; what is left is how V8's compiled code answers a change in
// the app, which the control rows show for changes that have nothing to do with lameduck.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { instructionTotals } from './callgrind-dump.js'
import { type Mode, startServer } from './harness.js'

/** valgrind's version (`valgrind --version`), or undefined when valgrind is not on the PATH. */
export const valgrindVersion = ((): string | undefined => {
  const { error, stdout } = spawnSync('valgrind', ['--version'], { encoding: 'utf8' })
  return error === undefined ? stdout.trim() : undefined
})()

/** h2load's version, or undefined when nghttp2's h2load is not on the PATH. */
export const h2loadVersion = ((): string | undefined => {
  const { error, stdout } = spawnSync('h2load', ['--version'], { encoding: 'utf8' })
  return error === undefined ? (/h2load nghttp2\/(\S+)/.exec(stdout)?.[1] ?? 'unknown') : undefined
})()

export interface Counting {
  /** Requests before the forced full GC, then after it, before counting starts. */
  warm: number
  rewarm: number
  /** Requests counted. */
  counted: number
  /** Processes counted at once; the result is their mean. */
  processes: number
}

/** Instructions per counted request: all of them, and those outside V8's compiler and collector. */
export interface PerRequest {
  all: number
  outsideCompileAndGc: number
}

/**
 * Starts `counting.processes` of server.mjs in `mode` at once under callgrind (with the node flags
 * `execArgv`), warms each up, collects garbage, warms it again, and counts the instructions of
 * every thread over `counted` requests, divided by the requests: the mean of the processes.
 * The forced GC starts the counted window after a full collection; otherwise one lands in it or
 * not by chance (5,000 instructions a request, one full GC in 10,000 Fastify requests).
 */
export async function instructionsPerRequest(
  mode: Mode,
  counting: Counting,
  execArgv: string[] = [],
): Promise<PerRequest> {
  const counts = await Promise.all(
    Array.from({ length: counting.processes }, () => countOne(mode, counting, execArgv)),
  )
  const mean = (pick: (count: PerRequest) => number) =>
    counts.reduce((sum, count) => sum + pick(count), 0) / counts.length
  return { all: mean((c) => c.all), outsideCompileAndGc: mean((c) => c.outsideCompileAndGc) }
}

async function countOne(mode: Mode, counting: Counting, execArgv: string[]): Promise<PerRequest> {
  const dir = mkdtempSync(join(tmpdir(), 'lameduck-callgrind-'))
  const out = join(dir, 'callgrind.out')
  const server = await startServer(mode, 1_000, {
    wrapper: ['valgrind', '--tool=callgrind', '--quiet', `--callgrind-out-file=${out}`],
    execArgv: ['--predictable', ...execArgv],
  })
  try {
    await h2load(server.port, counting.warm)
    await server.ask('heap')
    await h2load(server.port, counting.rewarm)
    callgrindControl('--zero', server.pid)
    await h2load(server.port, counting.counted)
    callgrindControl('--dump', server.pid)
    // The first dump on demand goes to <file>.1; <file> itself is written at exit.
    const dump = readFileSync(`${out}.1`, 'utf8')
    const total = /^totals: (\d+)/m.exec(dump)
    const { all, outsideCompileAndGc } = instructionTotals(dump)
    // The functions' own costs add up to callgrind's totals, or the dump was misread. (Its
    // `summary:` line, in a dump on demand, can differ from them by a fraction of a per cent.)
    if (total === null || Number(total[1]) !== all) {
      throw new Error(`callgrind's dump for ${mode}: total ${total?.[1]}, functions ${all}`)
    }
    return {
      all: all / counting.counted,
      outsideCompileAndGc: outsideCompileAndGc / counting.counted,
    }
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * `count` requests of `GET /`, one at a time on one keep-alive connection; all must succeed.
 * Not spawnSync: that held the bench's event loop, so the processes counted at once took turns,
 * each sitting idle for minutes between its forced GC and its counted window, while another's
 * h2load ran.
 */
async function h2load(port: number, count: number): Promise<void> {
  const child = spawn('h2load', ['--h1', '-c', '1', '-n', `${count}`, `http://127.0.0.1:${port}/`])
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  // 'close', not 'exit': the output can still be in the pipe when h2load has exited.
  const [status] = await once(child, 'close')
  const done = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded/.exec(stdout)
  if (
    status !== 0 ||
    done === null ||
    Number(done[1]) !== count ||
    /\b[1-9]\d* errored/.test(stdout)
  ) {
    throw new Error(`h2load against port ${port} (exit ${status}): ${stdout}`)
  }
}

/** Tells the callgrind of `pid` to zero its counters or to dump them; returns once it has. */
function callgrindControl(command: '--zero' | '--dump', pid: number): void {
  const { status, stdout, stderr } = spawnSync('callgrind_control', [command, `${pid}`], {
    encoding: 'utf8',
  })
  if (status !== 0) throw new Error(`callgrind_control ${command} ${pid}: ${stdout}${stderr}`)
}
