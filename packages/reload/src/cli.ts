#!/usr/bin/env node
// The `lameduck` command: `run` supervises an app, `reload` and `status` talk to a running one.
import { rmSync, writeFileSync } from 'node:fs'
import { constants } from 'node:os'
import { parseArgs } from 'node:util'
import { InvalidOptionError } from '@lameduck/core'
import { defaultControlPath, findControlPath, sendControl } from './control.js'
import { stderrLogger } from './log.js'
import { type ListenAddress, parseListen } from './options.js'
import { type Supervisor, supervise } from './supervisor.js'

const USAGE = `usage:
  lameduck run [--listen [host:]port]... [--workers N|auto] [--ready-timeout ms]
               [--drain-timeout ms] [--kill-grace ms] [--control path] [--pid-file path]
               [--watch path] -- app.js [args...]
      --watch path   reload when this file, directory or symlink (a deploy's \`current\`)
                     changes, as SIGHUP does; a broken change is rolled back once
      under systemd: sd_notify (Type=notify-reload) and the fd store when NOTIFY_SOCKET is set
  lameduck reload [--control path | --pid pid]   exit 0 when the new code serves, 1 on rollback
  lameduck status [--control path | --pid pid]

runs on Node.js 26, 24, 22 and 20 on Linux; refuses to start on Bun and Deno (docs/runtimes.md)`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'run') return run(rest)
  if (command === 'reload' || command === 'status') return control(command, rest)
  process.stderr.write(`${USAGE}\n`)
  return command === undefined || command === '--help' ? 0 : 2
}

async function run(argv: string[]): Promise<number> {
  const split = argv.indexOf('--')
  const { values, positionals } = parseArgs({
    args: split === -1 ? argv : argv.slice(0, split),
    options: {
      listen: { type: 'string', multiple: true },
      workers: { type: 'string' },
      'ready-timeout': { type: 'string' },
      'drain-timeout': { type: 'string' },
      'kill-grace': { type: 'string' },
      control: { type: 'string' },
      watch: { type: 'string' },
      'pid-file': { type: 'string' },
    },
    allowPositionals: true,
  })
  const [entry, ...args] = split === -1 ? positionals : argv.slice(split + 1)
  if (entry === undefined) throw new InvalidOptionError('app', 'the app to run: -- app.js', entry)
  const listen: ListenAddress[] = (values.listen ?? ['3000']).map(parseListen)
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value))
  // Signal handlers go in first: a signal that arrives before its handler does what the signal's
  // default is, and SIGHUP's default is to kill the supervisor.
  let supervisor: Supervisor | undefined
  let reloadWanted = false
  const reload = () => {
    if (supervisor === undefined) reloadWanted = true
    else supervisor.reload()
  }
  process.on('SIGHUP', reload)
  process.on('SIGUSR2', reload)
  let stopSignal: 'SIGTERM' | 'SIGINT' | undefined
  let onStop: (signal: 'SIGTERM' | 'SIGINT') => void = (signal) => {
    stopSignal = signal
  }
  process.on('SIGTERM', () => onStop('SIGTERM'))
  process.on('SIGINT', () => onStop('SIGINT'))

  const controlPath = values.control ?? defaultControlPath()
  supervisor = await supervise({
    entry,
    args,
    listen,
    workers: values.workers === 'auto' ? 'auto' : number(values.workers),
    readyTimeout: number(values['ready-timeout']),
    drainTimeout: number(values['drain-timeout']),
    killGrace: number(values['kill-grace']),
    control: controlPath,
    watch: values.watch,
    logger: stderrLogger,
  })
  const running = supervisor
  const pidFile = values['pid-file']
  // The supervisor's PID, for `kill -HUP`: under npx or a shell wrapper, `pgrep` finds those too.
  if (pidFile !== undefined) writeFileSync(pidFile, `${process.pid}\n`)
  const { generation, listening } = running.status()
  stderrLogger.info(
    { pid: process.pid, generation, listening, control: controlPath },
    'lameduck: serving',
  )
  if (reloadWanted) running.reload()
  const code = await new Promise<number>((resolve) => {
    let stopping = false
    onStop = (signal) => {
      if (stopping) {
        // A second signal: stop waiting. Workers are killed with the supervisor's exit.
        const killed: number[] = []
        for (const worker of running.status().workers) {
          if (worker.pid === undefined) continue
          process.kill(worker.pid, 'SIGKILL')
          killed.push(worker.pid)
        }
        const exit = 128 + constants.signals[signal]
        stderrLogger.error(
          { code: exit, signal, killed },
          `lameduck: stopped, exit ${exit}: a second ${signal} killed ${killed.length} draining worker(s)`,
        )
        resolve(exit)
        return
      }
      stopping = true
      running.stop().then(({ ok }) => {
        if (ok)
          stderrLogger.info(
            { code: 0, signal },
            `lameduck: stopped, exit 0: ${signal}, every worker drained`,
          )
        else
          stderrLogger.error(
            { code: 1, signal },
            `lameduck: stopped, exit 1: ${signal}, and a worker's drain failed (see above)`,
          )
        resolve(ok ? 0 : 1)
      })
    }
    if (stopSignal !== undefined) onStop(stopSignal)
  })
  if (pidFile !== undefined) rmSync(pidFile, { force: true })
  return code
}

async function control(command: 'reload' | 'status', argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { control: { type: 'string' }, pid: { type: 'string' } },
  })
  const path =
    values.control ??
    (values.pid === undefined ? findControlPath() : defaultControlPath(Number(values.pid)))
  if (path === undefined) {
    process.stderr.write('lameduck: no single running supervisor found; pass --pid or --control\n')
    return 2
  }
  const answer = (await sendControl(path, command)) as { ok?: boolean }
  process.stdout.write(`${JSON.stringify(answer)}\n`)
  return command === 'reload' && answer.ok !== true ? 1 : 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    const usage = error instanceof InvalidOptionError ? `\n${USAGE}` : ''
    process.stderr.write(`lameduck: ${error.message}${usage}\n`)
    process.exit(1)
  },
)
