// The supervisor's stderr lines keep an error's name, message, code and stack.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { stderrLogger } from '../src/log.js'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('the supervisor stderr logger', () => {
  it('writes an Error under err with its name, message, code and stack, on one line', () => {
    const written: string[] = []
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk))
      return true
    })
    const err = Object.assign(new TypeError('pool is not defined'), { code: 'E_POOL' })
    stderrLogger.error({ err, pid: 1 }, 'lameduck: something failed')
    vi.restoreAllMocks()
    expect(written).toHaveLength(1)
    const line = written[0]!
    expect(line.endsWith('\n')).toBe(true)
    expect(line.slice(0, -1)).not.toContain('\n')
    expect(line.startsWith('lameduck: something failed {')).toBe(true)
    expect(JSON.parse(line.slice(line.indexOf('{')))).toEqual({
      pid: 1,
      err: {
        name: 'TypeError',
        message: 'pool is not defined',
        code: 'E_POOL',
        stack: err.stack,
      },
    })
  })
})
