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
})
