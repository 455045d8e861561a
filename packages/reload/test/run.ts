import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'
import { onTestFinished } from 'vitest'
import { bindSockets } from '../src/sockets.js'

const cli = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url))

export interface Running extends Started {
  port: number
}

/** A supervisor that may not serve yet. */
export interface Started {
  process: ChildProcess
  /** Writes the version the next generation of the app reads at start-up. */
  setVersion(version: string): void
  /** The port of the socket handed over by socket activation, when `activate` was given. */
  activatedPort?: number
  /** Every line the supervisor (and its workers, on the same stderr) logged. */
  log: string[]
  /** Resolves at the next logged line that matches. */
  line(pattern: RegExp): Promise<string>
  exit: Promise<number | null>
  /** Runs `lameduck <command>` against this supervisor; resolves with its exit code and output. */
  cli(command: 'reload' | 'status'): Promise<{ code: number | null; output: string }>
}

/**
 * Starts `lameduck run` on 127.0.0.1 and a free port, with the fixture app at `version`. With
 * `activate`, the socket is bound here and handed over as systemd would (fd 3, LISTEN_FDS);
 * `app` names another fixture, `env` adds to its environment; with `watch`, the supervisor
 * reloads when the version file changes (`--watch`).
 */
export async function runSupervisor(
  version: string,
  flags: string[] = [],
  options: SupervisorOptions = {},
): Promise<Running> {
  const started = startSupervisor(version, flags, options)
  const port = await new Promise<number>((resolve, reject) => {
    started.line(/^lameduck: serving /).then((line) => {
      resolve(JSON.parse(line.slice('lameduck: serving '.length)).listening[0].port)
    })
    started.exit.then((code) =>
      reject(new Error(`lameduck run exited with ${code}:\n${started.log.join('\n')}`)),
    )
  })
  return { ...started, port }
}

interface SupervisorOptions {
  activate?: boolean
  app?: string
  env?: Record<string, string>
  watch?: boolean
}

/** As `runSupervisor()`, without waiting for the first generation to serve. */
export function startSupervisor(
  version: string,
  flags: string[] = [],
  { activate = false, app = 'app.mjs', env: extraEnv = {}, watch = false }: SupervisorOptions = {},
): Started {
  const entry = fileURLToPath(new URL(`./fixtures/${app}`, import.meta.url))
  const dir = mkdtempSync(join(tmpdir(), 'lameduck-test-'))
  const versionFile = join(dir, 'version')
  const setVersion = (v: string) => writeFileSync(versionFile, v)
  setVersion(version)
  const env = { ...process.env, ...extraEnv, APP_VERSION_FILE: versionFile }
  const watchFlags = watch ? ['--watch', versionFile] : []
  const command = [
    process.execPath,
    cli,
    'run',
    '--listen',
    '127.0.0.1:0',
    ...watchFlags,
    ...flags,
    '--',
    entry,
  ]
  let child: ChildProcess
  let activatedPort: number | undefined
  if (activate) {
    const socket = bindSockets([{ host: '127.0.0.1', port: 0 }])[0]!
    activatedPort = socket.port
    onTestFinished(() => socket.close())
    // As systemd does: LISTEN_PID names the process that execs, so a shell sets it to its own.
    child = spawn('/bin/sh', ['-c', 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"', 'sh', ...command], {
      env,
      stdio: ['ignore', 'inherit', 'pipe', socket.fd],
    })
  } else {
    child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'inherit', 'pipe'] })
  }
  const exit = once(child, 'exit').then(([code]) => code as number | null)
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exit
    }
    rmSync(dir, { recursive: true, force: true })
  })
  const log: string[] = []
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = []
  createInterface({ input: child.stderr! }).on('line', (line) => {
    log.push(line)
    for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(line)
    }
  })
  return {
    process: child,
    ...(activatedPort === undefined ? {} : { activatedPort }),
    setVersion,
    log,
    line: (pattern) => new Promise((resolve) => waiters.push({ pattern, resolve })),
    exit,
    async cli(command) {
      const run = spawn(process.execPath, [cli, command, '--pid', String(child.pid)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let output = ''
      run.stdout!.on('data', (chunk) => {
        output += chunk
      })
      const [code] = await once(run, 'exit')
      return { code: code as number | null, output }
    },
  }
}

/**
 * The body of one GET on a new connection: a kept-alive one may still belong to a worker of the
 * previous generation, which serves it (as it should) during its drain.
 */
export async function text(port: number, path = '/'): Promise<string> {
  const dispatcher = new Agent()
  try {
    const response = await request(`http://127.0.0.1:${port}${path}`, { dispatcher })
    return await response.body.text()
  } finally {
    await dispatcher.close()
  }
}
