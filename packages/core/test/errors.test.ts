import { existsSync, readdirSync, readFileSync } from 'node:fs'
import * as core from '@lameduck/core'
import {
  ControlError,
  InvalidOptionError,
  InvalidStateError,
  LameduckError,
  ListenError,
  UnsupportedError,
  WorkerFailedError,
} from '@lameduck/core'
import { describe, expect, it } from 'vitest'

describe('errors', () => {
  it.each([
    [new InvalidOptionError('timeout', 'a number', 'x'), InvalidOptionError],
    [new InvalidStateError('late'), InvalidStateError],
    [new ListenError('127.0.0.1:1', 'in use'), ListenError],
    [new UnsupportedError('net._createServerHandle'), UnsupportedError],
    [new WorkerFailedError(42, 'exited with 1 before it was ready'), WorkerFailedError],
    [new ControlError('/run/x.sock', 'is a symlink'), ControlError],
  ])('%s carries its class code and name', (error, Class) => {
    expect(error).toBeInstanceOf(LameduckError)
    expect(error).toBeInstanceOf(Class)
    expect(error.code).toBe(Class.code)
    expect(error.name).toBe(Class.name)
  })

  it('says what is missing from which runtime', () => {
    const error = new UnsupportedError('process.getBuiltinModule', {
      name: 'Bun',
      version: '1.2.0',
    })
    expect(error).toMatchObject({ missing: 'process.getBuiltinModule', runtime: 'Bun 1.2.0' })
    expect(error.message).toBe(
      'lameduck needs process.getBuiltinModule, which Bun 1.2.0 does not provide',
    )
    expect(new UnsupportedError('x').runtime).toBe(`Node.js ${process.versions.node}`)
  })

  it('names the worker that failed', () => {
    expect(new WorkerFailedError(42, 'timed out')).toMatchObject({
      pid: 42,
      message: 'worker 42 timed out',
    })
  })

  it('are the only errors the published packages throw or reject with', () => {
    const thrown = new Set<string>()
    for (const pkg of publishedPackages()) {
      const src = new URL('src/', pkg.dir)
      for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
        if (!file.endsWith('.ts')) continue
        const text = readFileSync(new URL(file, src), 'utf8')
        for (const match of text.matchAll(/(?:throw|reject\()\s*new (\w+)/g)) thrown.add(match[1]!)
      }
    }
    expect(thrown.size).toBeGreaterThanOrEqual(4)
    expect([...thrown].filter((name) => !errorClasses().includes(name))).toEqual([])
  })

  it('are what every public function of every published package throws for null arguments', async () => {
    const escaped: string[] = []
    let called = 0
    for (const pkg of publishedPackages()) {
      for (const [entry, file] of pkg.entries) {
        const exports = (await import(/* @vite-ignore */ file.href)) as Record<string, unknown>
        for (const [name, value] of Object.entries(exports)) {
          if (typeof value !== 'function' || isClass(value)) continue
          for (let arity = 1; arity <= Math.max(1, value.length); arity++) {
            called++
            const error = await outcomeOf(() => value(...Array(arity).fill(null)))
            if (error !== undefined && !(error instanceof LameduckError)) {
              escaped.push(
                `${pkg.name}${entry.slice(1)} ${name}(${arity} × null): ${String(error)}`,
              )
            }
          }
        }
      }
    }
    expect(called).toBeGreaterThan(20)
    expect(escaped).toEqual([])
  })
})

interface Published {
  name: string
  dir: URL
  /** Each export subpath but side-effect entries (preloads), with its source file. */
  entries: [string, URL][]
}

/** Every package of pnpm-workspace.yaml that is published (not private). */
function publishedPackages(): Published[] {
  const root = new URL('../../../', import.meta.url)
  const yaml = readFileSync(new URL('pnpm-workspace.yaml', root), 'utf8')
  const globs = [...yaml.matchAll(/^\s+-\s+(\S+)\s*$/gm)].map((m) => m[1]!)
  const dirs = globs.flatMap((glob) =>
    glob.endsWith('/*')
      ? readdirSync(new URL(`${glob.slice(0, -1)}`, root), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => `${glob.slice(0, -1)}${d.name}/`)
      : [`${glob}/`],
  )
  const published: Published[] = []
  for (const dir of dirs) {
    const url = new URL(dir, root)
    if (!existsSync(new URL('package.json', url))) continue
    const pkg = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as {
      name: string
      private?: boolean
      exports?: Record<string, string | Record<string, unknown>>
    }
    if (pkg.private === true) continue
    const entries: [string, URL][] = []
    for (const [entry, target] of Object.entries(pkg.exports ?? {})) {
      const source = typeof target === 'object' ? target['@lameduck/source'] : undefined
      if (typeof source === 'string' && !entry.endsWith('preload')) {
        entries.push([entry, new URL(source, url)])
      }
    }
    published.push({ name: pkg.name, dir: url, entries })
  }
  expect(published.length).toBeGreaterThanOrEqual(9)
  return published
}

function errorClasses(): string[] {
  return Object.entries(core)
    .filter(
      ([, value]) =>
        typeof value === 'function' &&
        // Not instanceof: LameduckError's brand check is for instances, not prototypes.
        Object.prototype.isPrototypeOf.call(LameduckError.prototype, value.prototype),
    )
    .map(([name]) => name)
}

function isClass(fn: object): boolean {
  return /^class\b/.test(Function.prototype.toString.call(fn))
}

/** What `fn` throws or its promise rejects with, or undefined. */
async function outcomeOf(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
    return undefined
  } catch (error) {
    return error
  }
}
