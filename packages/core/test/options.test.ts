import {
  DEFAULTS,
  InvalidOptionError,
  InvalidStateError,
  LameduckError,
  lameduck,
} from '@lameduck/core'
import { describe, expect, it } from 'vitest'

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('options', () => {
  it('has frozen defaults', () => {
    expect(Object.isFrozen(DEFAULTS)).toBe(true)
    expect(DEFAULTS).toMatchObject({
      timeout: 10_000,
      delay: 0,
      idleGrace: 1_000,
      hookTimeout: 5_000,
      checkTimeout: 1_000,
      signals: ['SIGTERM', 'SIGINT'],
      readinessFailsAt: 'shutdown',
      closeSpread: 0,
      foreignSignalWarning: true,
      synGuard: true,
    })
  })

  it.each([
    [{ timeout: -1 }, 'timeout', 'an integer number of ms from 1 to 2147483647', 'number -1'],
    [{ timeout: 1.5 }, 'timeout', 'an integer number of ms', 'number 1.5'],
    [{ timeout: '10s' }, 'timeout', 'an integer number of ms', 'string "10s"'],
    [{ timeout: 2 ** 31 }, 'timeout', 'to 2147483647', 'number 2147483648'],
    [{ delay: Number.NaN }, 'delay', 'an integer number of ms from 0', 'number NaN'],
    [{ idleGrace: null }, 'idleGrace', 'an integer number of ms from 0', 'null'],
    [{ hookTimeout: 0 }, 'hookTimeout', 'from 1', 'number 0'],
    [{ checkTimeout: true }, 'checkTimeout', 'from 1', 'boolean true'],
    [{ signals: 'SIGTERM' }, 'signals', 'false or an array of SIGTERM', 'string "SIGTERM"'],
    [{ signals: ['SIGKILL'] }, 'signals', 'false or an array of SIGTERM', 'string "SIGKILL"'],
    [{ signals: true }, 'signals', 'false or an array', 'boolean true'],
    [{ synGuard: 'yes' }, 'synGuard', 'true or false', 'string "yes"'],
    [{ logger: () => {} }, 'logger', 'debug, info, warn and error methods', 'function'],
    [{ logger: { info() {} } }, 'logger', 'debug, info, warn and error methods', 'object'],
    [
      { readinessFailsAt: 'listen' },
      'readinessFailsAt',
      '"shutdown" or "close"',
      'string "listen"',
    ],
    [{ readinessFailsAt: null }, 'readinessFailsAt', '"shutdown" or "close"', 'null'],
    [{ foreignSignalWarning: 'no' }, 'foreignSignalWarning', 'true or false', 'string "no"'],
    [{ delay: 5_000, timeout: 5_000 }, 'delay', 'less than timeout (5000)', 'number 5000'],
    [{ closeSpread: -1 }, 'closeSpread', 'an integer number of ms from 0', 'number -1'],
    [{ closeSpread: Number.POSITIVE_INFINITY }, 'closeSpread', 'from 0', 'number Infinity'],
    [
      { delay: 2_000, closeSpread: 3_000, timeout: 5_000 },
      'closeSpread',
      'less than timeout - delay (5000 - 2000)',
      'number 3000',
    ],
    [
      { timeot: 5_000 },
      'timeot',
      'one of timeout, delay, readinessFailsAt, closeSpread, idleGrace',
      'unknown key',
    ],
    // Inherited names are not options either.
    [{ toString: 1 }, 'toString', 'one of timeout, delay, readinessFailsAt', 'unknown key'],
    [{ hasOwnProperty: 1 }, 'hasOwnProperty', 'one of timeout', 'unknown key'],
    [JSON.parse('{"__proto__": {}}'), '__proto__', 'one of timeout', 'unknown key'],
  ])('rejects %j with a typed error naming %s', (options, option, expected, received) => {
    const error = thrown(() => lameduck(options as never)) as InvalidOptionError
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect(error).toBeInstanceOf(LameduckError)
    expect(error.code).toBe('LAMEDUCK_ERR_INVALID_OPTION')
    expect(error.option).toBe(option)
    expect(error.message).toContain(`Invalid option "${option}"`)
    expect(error.message).toContain(expected)
    expect(error.message).toContain(received)
  })

  it('rejects options that are not an object', () => {
    expect(thrown(() => lameduck(42 as never))).toMatchObject({ option: 'options' })
    expect(thrown(() => lameduck([] as never))).toMatchObject({ option: 'options' })
  })

  it('validates the arguments of every method', () => {
    const ld = lameduck({ signals: false })
    expect(thrown(() => ld.attach({} as never))).toMatchObject({
      code: 'LAMEDUCK_ERR_INVALID_OPTION',
      option: 'attach(server)',
    })
    expect(thrown(() => ld.onShutdown('', () => {}))).toMatchObject({ option: 'onShutdown(name)' })
    expect(thrown(() => ld.onShutdown('db', 'x' as never))).toMatchObject({
      option: 'onShutdown(fn)',
    })
    expect(thrown(() => ld.onShutdown('db', () => {}, { timeout: 0 }))).toMatchObject({
      option: 'onShutdown(options.timeout)',
    })
    expect(thrown(() => ld.onShutdown('db', () => {}, { timout: 5 } as never))).toMatchObject({
      // Named like every other per-call option: the call, then the key.
      option: 'onShutdown(options.timout)',
    })
    expect(thrown(() => ld.addReadinessCheck('db', () => {}, { timeout: -5 }))).toMatchObject({
      option: 'addReadinessCheck(options.timeout)',
    })
    expect(thrown(() => ld.shutdown(5 as never))).toMatchObject({ option: 'shutdown(reason)' })
  })

  it('recognises errors from another copy of the package by their brand', () => {
    const foreign = new InvalidStateError('x')
    const copy = Object.create(null) as Record<string | symbol, unknown>
    for (const key of Reflect.ownKeys(foreign)) copy[key] = (foreign as never)[key]
    expect(copy).toBeInstanceOf(LameduckError)
    expect(copy).toBeInstanceOf(InvalidStateError)
    expect(copy).not.toBeInstanceOf(InvalidOptionError)
    expect({ name: 'InvalidStateError' }).not.toBeInstanceOf(LameduckError)
  })
})
