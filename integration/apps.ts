import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'
import { waitForPort } from './proxies.js'

/** A child process killed when the test ends, if it is still running; stdout piped or dropped. */
export function spawnBounded(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  stdout: 'pipe' | 'ignore' = 'pipe',
): ChildProcess {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'inherit'],
  })
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return child
}

export type AppName = 'node-http' | 'express' | 'fastify' | 'koa' | 'kubernetes' | 'bare'

const script = (name: AppName) =>
  fileURLToPath(
    name === 'bare'
      ? new URL('./bare-server.mjs', import.meta.url)
      : new URL(`../examples/${name}/server.mjs`, import.meta.url),
  )

/** One instance of an example app on `port`; `delay` is its readiness delay (kubernetes example). */
export async function startApp(name: AppName, port: number, delay = 0): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script(name)], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LAMEDUCK_DELAY: String(delay) },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  await waitForPort(port)
  return child
}

/** Restarts each instance in turn, as a deploy does: SIGTERM, wait for it to exit, start the new. */
export async function rollingRestart(
  name: AppName,
  instances: { port: number; child: ChildProcess }[],
  delay = 0,
): Promise<void> {
  for (const instance of instances) {
    instance.child.kill('SIGTERM')
    await once(instance.child, 'exit')
    instance.child = await startApp(name, instance.port, delay)
    // Let the load run on both for a moment before the next one goes.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
  }
}
