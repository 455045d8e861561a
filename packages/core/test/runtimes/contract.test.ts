// The core shutdown contract, served by a child process on Bun and on Deno (the tests' clients
// stay in Node). Run by .ci/run with LAMEDUCK_BUN and LAMEDUCK_DENO naming the binaries; a
// runtime lameduck supports runs the whole contract, one it does not must refuse at attach()
// with LAMEDUCK_ERR_UNSUPPORTED, never drain silently wrong. docs/runtimes.md has the results.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import {
  type ContractApp,
  type ContractOptions,
  type ContractReport,
  describeShutdownContract,
} from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'

const CHILD = fileURLToPath(new URL('../fixtures/contract-child.ts', import.meta.url))
const CLI = fileURLToPath(new URL('../../../reload/dist/cli.mjs', import.meta.url))
const PLAIN_APP = fileURLToPath(
  new URL('../../../reload/test/fixtures/plain-app.mjs', import.meta.url),
)

interface Runtime {
  name: string
  command: string[]
}

const runtimes: Runtime[] = [
  { name: 'Bun', command: [process.env.LAMEDUCK_BUN ?? ''] },
  { name: 'Deno', command: [process.env.LAMEDUCK_DENO ?? '', 'run', '--allow-all'] },
].filter((runtime) => runtime.command[0] !== '')

type Message = {
  port?: number
  arrived?: [string, number]
  report?: ContractReport
  error?: { code: string; message: string }
}

function version(runtime: Runtime): string {
  const [bin] = runtime.command
  const printed = spawnSync(bin!, ['--version'], { encoding: 'utf8' }).stdout
  return /\d+\.\d+\.\d+/.exec(printed)?.[0] ?? printed.trim()
}

/** Starts the child once to learn whether lameduck attaches there, and what it says if not. */
function attachOutcome(runtime: Runtime): Message {
  const [bin, ...args] = runtime.command
  const result = spawnSync(bin!, [...args, CHILD, '{}'], {
    input: 'dispose\n',
    encoding: 'utf8',
    timeout: 30_000,
  })
  const first = result.stdout.split('\n').find((line) => line.startsWith('{'))
  if (first === undefined) throw new Error(`${runtime.name}: no answer\n${result.stderr}`)
  return JSON.parse(first) as Message
}

async function serveOn(
  runtime: Runtime,
  options: ContractOptions,
  probe: NodeJS.EventEmitter,
): Promise<ContractApp> {
  const [bin, ...args] = runtime.command
  const child: ChildProcess = spawn(bin!, [...args, CHILD, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const exited = once(child, 'exit')
  let onReport: (report: ContractReport) => void = () => {}
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as Message
      if (message.port !== undefined) resolve(message.port)
      if (message.arrived !== undefined) probe.emit('arrived', ...message.arrived)
      if (message.report !== undefined) onReport(message.report)
      if (message.error !== undefined) reject(new Error(message.error.message))
    })
    exited.then(([code]) => reject(new Error(`${runtime.name} exited with ${code}`)))
  })
  return {
    port,
    shutdown() {
      const report = new Promise<ContractReport>((resolve) => {
        onReport = resolve
      })
      child.stdin!.write('shutdown\n')
      return report
    },
    async dispose() {
      if (child.exitCode !== null) return
      child.stdin!.write('dispose\n')
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000)
      await exited
      clearTimeout(timer)
    },
  }
}

describe.runIf(runtimes.length > 0)('other runtimes', () => {
  for (const runtime of runtimes) {
    const outcome = attachOutcome(runtime)
    const named = `${runtime.name} ${version(runtime)}`
    if (outcome.error === undefined) {
      describeShutdownContract(named, (options, probe) => serveOn(runtime, options, probe), {
        websocket: '/ws',
      })
      continue
    }
    it(`${named}: lameduck run refuses to start, naming the runtime`, () => {
      const [bin, ...args] = runtime.command
      const run = spawnSync(
        bin!,
        [...args, CLI, 'run', '--listen', '127.0.0.1:0', '--', PLAIN_APP],
        { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } },
      )
      expect(run.status).toBe(1)
      expect(run.stderr).toMatch(
        new RegExp(`lameduck needs Node\\.js.+${runtime.name} \\d+\\.\\d+`),
      )
    })
    it(`${named}: attach() refuses with LAMEDUCK_ERR_UNSUPPORTED, naming the runtime and what it lacks`, () => {
      expect(outcome.error).toMatchObject({
        code: 'LAMEDUCK_ERR_UNSUPPORTED',
        message: expect.stringMatching(new RegExp(`${runtime.name} \\d+\\.\\d+\\.\\d+`)),
      })
      expect(outcome.error!.message).toMatch(/lameduck needs .+, which/)
    })
  }
})
