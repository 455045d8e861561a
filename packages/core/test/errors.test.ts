import { readdirSync, readFileSync } from 'node:fs'
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
    const packages = new URL('../../', import.meta.url)
    const classes = Object.entries(core)
      .filter(
        ([, value]) =>
          typeof value === 'function' &&
          // Not instanceof: LameduckError's brand check is for instances, not prototypes.
          Object.prototype.isPrototypeOf.call(LameduckError.prototype, value.prototype),
      )
      .map(([name]) => name)
    const thrown = new Set<string>()
    for (const name of ['core', 'express', 'fastify', 'koa', 'reload']) {
      const src = new URL(`${name}/src/`, packages)
      for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
        if (!file.endsWith('.ts')) continue
        const text = readFileSync(new URL(file, src), 'utf8')
        for (const match of text.matchAll(/(?:throw|reject\()\s*new (\w+)/g)) thrown.add(match[1]!)
      }
    }
    expect(thrown.size).toBeGreaterThanOrEqual(4)
    expect([...thrown].filter((name) => !classes.includes(name))).toEqual([])
  })
})
