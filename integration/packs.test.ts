// The packages as a user installs them: every package packed (scripts/pack-all.mjs, what
// `pnpm publish` would upload), installed with plain npm into a fresh app per stack outside this
// workspace, the TypeScript apps compiled under node10 (module commonjs, no moduleResolution) and
// nodenext, then each app run and sent SIGTERM with a slow request in flight. One npm cache for
// every install, the installs in parallel; the times are printed.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { freePort, waitForPort } from './proxies.js'

const root = fileURLToPath(new URL('../', import.meta.url))
const sources = fileURLToPath(new URL('./packs/', import.meta.url))
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

interface Stack {
  name: string
  /** Our packages, by folder name; core always. */
  packs: string[]
  /** From the registry. */
  deps: string[]
  typescript: boolean
}

const types = ['@types/node@^20']
const stacks: Stack[] = [
  { name: 'http', packs: ['reload'], deps: [], typescript: false },
  { name: 'fastify', packs: ['fastify'], deps: ['fastify@^5', ...types], typescript: true },
  {
    name: 'express',
    packs: ['express'],
    deps: ['express@^5', '@types/express@^5', ...types],
    typescript: true,
  },
  { name: 'koa', packs: ['koa'], deps: ['koa@^3', '@types/koa@^3', ...types], typescript: true },
  {
    name: 'hono',
    packs: ['hono'],
    deps: ['hono@^4', '@hono/node-server@^1', ...types],
    typescript: true,
  },
  {
    name: 'nestjs',
    packs: ['nestjs'],
    deps: [
      '@nestjs/core@^11',
      '@nestjs/common@^11',
      '@nestjs/platform-express@^11',
      'reflect-metadata@^0.2',
      'rxjs@^7',
      ...types,
    ],
    typescript: true,
  },
  {
    name: 'next',
    packs: ['next'],
    deps: ['next@^16', 'react@^19', 'react-dom@^19'],
    typescript: false,
  },
]

/** node10: what `"module": "commonjs"` with no moduleResolution means (common in Nest apps). */
const tsconfigs = {
  node10: { module: 'commonjs' },
  nodenext: { module: 'nodenext' },
} as const

const work = mkdtempSync(join(tmpdir(), 'lameduck-packs-'))
const packs = join(work, 'packs')
// One cache for every install, kept between runs (CI starts from an empty one).
const cache = join(root, '.ci/out/npm-cache')
const timings: Record<string, number> = {}
/** tsc's outcome, by `stack setting`. */
const compiled = new Map<string, Done>()
// `next build` on a CI machine.
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', npm_config_cache: cache }

interface Done {
  code: number | null
  output: string
}

/** Runs a command to its end; its stdout and stderr together, for the failure message. */
function run(command: string, args: string[], cwd: string, timeout = 240_000): Promise<Done> {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout })
  let output = ''
  child.stdout!.on('data', (chunk) => {
    output += chunk
  })
  child.stderr!.on('data', (chunk) => {
    output += chunk
  })
  return once(child, 'close').then(([code]) => ({ code: code as number | null, output }))
}

async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now()
  try {
    return await step()
  } finally {
    timings[name] = Math.round(performance.now() - started)
  }
}

async function must(name: string, done: Promise<Done>): Promise<void> {
  const { code, output } = await timed(name, () => done)
  if (code !== 0) throw new Error(`${name} exited ${code}:\n${output}`)
}

const tarball = (name: string) => {
  const file = readdirSync(packs).find((f) => f.startsWith(`lameduck-${name}-`))
  if (file === undefined) throw new Error(`no tarball for ${name} in ${packs}`)
  return join(packs, file)
}
const appDir = (name: string) => join(work, name)

/** One stack's app: installed, then compiled twice or built. */
async function prepare(stack: Stack): Promise<void> {
  const dir = appDir(stack.name)
  cpSync(join(sources, stack.name), dir, { recursive: true })
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `${stack.name}-app`, private: true }),
  )
  const install = ['core', ...stack.packs].map(tarball).concat(stack.deps)
  await must(
    `${stack.name}: npm install`,
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...install], dir),
  )
  if (stack.typescript) {
    await Promise.all(
      Object.entries(tsconfigs).map(([name, options]) => {
        writeFileSync(
          join(dir, `tsconfig.${name}.json`),
          JSON.stringify({
            compilerOptions: {
              ...options,
              target: 'ES2022',
              strict: true,
              esModuleInterop: true,
              experimentalDecorators: true,
              emitDecoratorMetadata: true,
              // Our .d.ts files are what is checked here.
              skipLibCheck: false,
              types: ['node'],
              outDir: `dist-${name}`,
            },
            files: ['app.ts'],
          }),
        )
        // Checked by that setting's own test, so one setting failing leaves the others tested.
        return timed(`${stack.name}: tsc (${name})`, async () => {
          const done = await run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], dir)
          compiled.set(`${stack.name} ${name}`, done)
        })
      }),
    )
  }
  if (stack.name === 'next') {
    await must(
      'next: next build',
      run(process.execPath, ['node_modules/next/dist/bin/next', 'build'], dir),
    )
  }
}

interface App {
  process: ChildProcess
  stdout: string[]
  stderr: string[]
  port: Promise<number>
  line(text: string): Promise<void>
  exit: Promise<number | null>
}

function start(dir: string, args: string[]): App {
  const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const stdout: string[] = []
  const stderr: string[] = []
  const waiters: { text: string; resolve: () => void }[] = []
  const exit = once(child, 'exit').then(([code]) => code as number | null)
  let onPort: (port: number) => void = () => {}
  const port = new Promise<number>((resolve, reject) => {
    onPort = resolve
    exit.then((code) =>
      reject(new Error(`exited ${code} before listening:\n${[...stdout, ...stderr].join('\n')}`)),
    )
  })
  port.catch(() => {})
  const seen = (line: string) => {
    for (const waiter of waiters.filter((w) => line.includes(w.text))) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  }
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout.push(line)
    const listening = /^listening on http:\/\/[^:]+:(\d+)/.exec(line)
    if (listening) onPort(Number(listening[1]))
    seen(line)
  })
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line)
    seen(line)
  })
  const line = (text: string) => new Promise<void>((resolve) => waiters.push({ text, resolve }))
  return { process: child, stdout, stderr, port, line, exit }
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
      .on('error', reject)
      .end()
  })
}

/** SIGTERM with a slow request in flight: it is answered, and the app exits 0. */
async function drainsInFlight(app: App, port: number, hook = true): Promise<void> {
  const arrived = app.line('arrived /slow')
  const slow = get(port, '/slow')
  await arrived
  app.process.kill('SIGTERM')
  expect(await slow).toEqual({ status: 200, body: 'slow' })
  expect(await app.exit, app.stderr.join('\n')).toBe(0)
  if (hook) expect(app.stdout).toContain('hook ran')
  expect(app.stderr).toEqual([])
}

describe('the packed packages, installed with npm into fresh apps', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    const started = performance.now()
    await must('pack every package', run(process.execPath, ['scripts/pack-all.mjs', packs], root))
    // Three at a time, Next (the biggest) first: all seven at once thrash two cores. Settled, not
    // all: a failed step must not leave the others writing while we clean up.
    const queue = [...stacks].sort((a, b) => Number(b.name === 'next') - Number(a.name === 'next'))
    const prepared: PromiseSettledResult<void>[] = []
    await Promise.all(
      [1, 2, 3].map(async () => {
        for (let stack = queue.shift(); stack !== undefined; stack = queue.shift()) {
          prepared.push(...(await Promise.allSettled([prepare(stack)])))
        }
      }),
    )
    timings.total = Math.round(performance.now() - started)
    const table = Object.entries(timings).map(([step, ms]) => `  ${step.padEnd(32)} ${ms} ms`)
    process.stdout.write(
      `packs: times (npm cache shared, installs in parallel)\n${table.join('\n')}\n`,
    )
    for (const outcome of prepared) if (outcome.status === 'rejected') throw outcome.reason
  }, 420_000)

  afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000)

  it('node:http: SIGTERM mid-request answers it and exits 0, silently', async () => {
    const app = start(appDir('http'), ['app.mjs'])
    await drainsInFlight(app, await app.port, false)
  })

  it('a hook that throws, no logger: exit 1 and the hook and its message on stderr', async () => {
    const app = start(appDir('http'), ['hook-throws.mjs'])
    const port = await app.port
    const arrived = app.line('arrived /slow')
    const slow = get(port, '/slow')
    await arrived
    app.process.kill('SIGTERM')
    expect(await slow).toEqual({ status: 200, body: 'slow' })
    expect(await app.exit).toBe(1)
    expect(app.stderr).toHaveLength(1)
    expect(app.stderr[0]).toContain('"db"')
    expect(app.stderr[0]).toContain('pool is not defined')
  })

  it('the same under `lameduck run` (from the reload pack): the operator sees both lines', async () => {
    const port = await freePort()
    const app = start(appDir('http'), [
      'node_modules/@lameduck/reload/dist/cli.mjs',
      'run',
      '--listen',
      `127.0.0.1:${port}`,
      '--',
      'hook-throws.mjs',
    ])
    await app.line('lameduck: serving')
    app.process.kill('SIGTERM')
    expect(await app.exit).toBe(1)
    const text = app.stderr.join('\n')
    expect(text).toMatch(/"db".*pool is not defined/)
    expect(text).toMatch(/lameduck: worker \d+ drain failed: exit 1/)
    expect(text).toMatch(/lameduck: stopped, exit 1/)
  })

  for (const stack of stacks.filter((s) => s.typescript)) {
    for (const config of Object.keys(tsconfigs)) {
      it(`${stack.name}, compiled under ${config}: SIGTERM mid-request answers it, exit 0`, async () => {
        const { code, output } = compiled.get(`${stack.name} ${config}`)!
        expect(code, `tsc under ${config}:\n${output}`).toBe(0)
        const app = start(appDir(stack.name), [`dist-${config}/app.js`])
        await drainsInFlight(app, await app.port)
      })
    }
  }

  it('next: `next start` with the preload, SIGTERM mid-request answers it, exit 0', async () => {
    const port = await freePort()
    const app = start(appDir('next'), [
      '--require',
      '@lameduck/next/preload',
      'node_modules/next/dist/bin/next',
      'start',
      '-H',
      '127.0.0.1',
      '-p',
      String(port),
    ])
    await waitForPort(port)
    await drainsInFlight(app, port, false)
  })
})
