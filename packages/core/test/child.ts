import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'

export interface Child {
  process: ChildProcess
  port: number
  /** Resolves at the next stdout line equal to `text`. */
  line(text: string): Promise<void>
  /** Every stdout line so far. */
  lines: string[]
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts a fixture in a child process and waits until it prints its port. */
export async function startFixture(name: string, fixture: unknown = {}): Promise<Child> {
  const path = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
  const child = spawn(process.execPath, [path], {
    env: { ...process.env, FIXTURE: JSON.stringify(fixture) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const exit = once(child, 'exit').then(([code, signal]) => ({ code, signal }))
  const lines: string[] = []
  const waiters: { text: string; resolve: () => void }[] = []
  let onPort: (port: number) => void = () => {}
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line)
    if (line.startsWith('{')) onPort((JSON.parse(line) as { port: number }).port)
    for (const waiter of waiters.filter((w) => w.text === line)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  })
  const port = await new Promise<number>((resolve, reject) => {
    onPort = resolve
    exit.then(({ code }) => reject(new Error(`fixture exited with ${code} before listening`)))
  })
  return {
    process: child,
    port,
    lines,
    exit,
    line: (text) =>
      new Promise((resolve) => {
        waiters.push({ text, resolve })
      }),
  }
}
