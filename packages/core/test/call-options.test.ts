import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import {
  closeWebSocketsOnDrain,
  InvalidOptionError,
  type Lameduck,
  LameduckError,
  lameduck,
} from '@lameduck/core'
import { delegateWorkerExit } from '@lameduck/core/adapter'
import { attachedHandle } from '@lameduck/core/worker'
import { describe, expect, it, onTestFinished } from 'vitest'

function thrown(fn: () => unknown): InvalidOptionError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError)
    return error as InvalidOptionError
  }
  throw new Error('did not throw')
}

const wss = { clients: [] }

describe('options passed to calls', () => {
  it('bounds the delay of shutdown() by timeout, as the configured delay is', () => {
    const ld = lameduck({ signals: false, timeout: 300 })
    const error = thrown(() => ld.shutdown('x', { delay: 1_000 }))
    expect(error).toMatchObject({
      option: 'shutdown(options.delay)',
      expected: 'a number of ms less than timeout (300)',
      received: 1_000,
    })
    expect(thrown(() => ld.shutdown('x', { delay: 300 })).option).toBe('shutdown(options.delay)')
    // Nothing started: the handle still serves.
    expect(ld.state).toBe('serving')
    expect(ld.signal.aborted).toBe(false)
  })

  it('takes closeSpread in shutdown() too, bounded with the delay by timeout', () => {
    const ld = lameduck({ signals: false, timeout: 1_000, delay: 400, closeSpread: 500 })
    expect(thrown(() => ld.shutdown('x', { closeSpread: 600 }))).toMatchObject({
      option: 'shutdown(options.closeSpread)',
      expected: 'a number of ms less than timeout - delay (1000 - 400)',
      received: 600,
    })
    // The configured spread does not fit after this delay: the delay is the one at fault.
    expect(thrown(() => ld.shutdown('x', { delay: 500 }))).toMatchObject({
      option: 'shutdown(options.delay)',
      expected: 'a number of ms less than timeout - closeSpread (1000 - 500)',
      received: 500,
    })
    expect(thrown(() => ld.shutdown('x', { closeSpread: -5 })).option).toBe(
      'shutdown(options.closeSpread)',
    )
    expect(ld.state).toBe('serving')
  })

  it.each<[string, (ld: Lameduck) => unknown, string]>([
    ['shutdown', (ld) => ld.shutdown('x', null as never), 'shutdown(options)'],
    ['onShutdown', (ld) => ld.onShutdown('a', () => {}, null as never), 'onShutdown(options)'],
    [
      'addReadinessCheck',
      (ld) => ld.addReadinessCheck('a', () => {}, null as never),
      'addReadinessCheck(options)',
    ],
    ['endOnDrain', (ld) => ld.endOnDrain(null as never), 'endOnDrain(res)'],
    [
      'closeWebSocketsOnDrain',
      (ld) => closeWebSocketsOnDrain(ld, wss, null as never),
      'closeWebSocketsOnDrain(options)',
    ],
    [
      'closeWebSocketsOnDrain(null)',
      (_) => closeWebSocketsOnDrain(null as never, wss),
      'closeWebSocketsOnDrain(ld)',
    ],
  ])('%s rejects null with a typed error naming it', (_, call, option) => {
    const ld = lameduck({ signals: false })
    expect(thrown(() => call(ld))).toMatchObject({ option, received: null })
  })

  it('listen() rejects null with a typed error naming it', async () => {
    const ld = lameduck({ signals: false })
    const error = await ld.listen(createServer(), null as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect(error).toMatchObject({ option: 'listen(options)', received: null })
  })

  it.each<[string, (ld: Lameduck) => unknown, string, string]>([
    [
      'shutdown',
      (ld) => ld.shutdown('x', { delay: 0, extra: 1 } as never),
      'shutdown(options.extra)',
      'extra',
    ],
    [
      'closeWebSocketsOnDrain',
      (ld) => closeWebSocketsOnDrain(ld, wss, { codee: 1 } as never),
      'closeWebSocketsOnDrain(options.codee)',
      'codee',
    ],
    [
      'onShutdown',
      (ld) => ld.onShutdown('a', () => {}, { timout: 5 } as never),
      'onShutdown(options.timout)',
      'timout',
    ],
  ])('%s rejects an unknown key, naming it', (_, call, option, key) => {
    const ld = lameduck({ signals: false })
    const error = thrown(() => call(ld))
    expect(error).toBeInstanceOf(LameduckError)
    expect(error.option).toBe(option)
    expect(error.message).toContain(`unknown key "${key}"`)
    expect(error.message).not.toContain('received')
    expect(ld.state).toBe('serving')
  })

  it('names an unknown key of the constructor without calling it a received string', () => {
    const error = thrown(() => lameduck({ timeot: 5 } as never))
    expect(error.message).toBe(
      `Invalid option "timeot": unknown key "timeot", expected ${error.expected}`,
    )
    expect(error.received).toBe(5)
  })
})

describe('the handle registry', () => {
  it('finds the handle of a server whose exit was delegated after attach()', () => {
    const ld = lameduck({ signals: false })
    const server = createServer()
    ld.attach(server)
    expect(attachedHandle(server)).toBeUndefined()
    delegateWorkerExit(ld, () => {})
    expect(attachedHandle(server)).toBe(ld)
  })

  it.each([
    [true, 0],
    [false, 1],
  ])(
    'exitAfterShutdown waits for a handle of another copy (ok: %s) and exits %i',
    async (ok, code) => {
      const script = fileURLToPath(new URL('fixtures/foreign-handle.mjs', import.meta.url))
      const exit = await new Promise<number | null>((resolve) => {
        const child = execFile(
          process.execPath,
          [script],
          { env: { ...process.env, FIXTURE: JSON.stringify({ ok }) }, timeout: 10_000 },
          () => resolve(child.exitCode),
        )
        onTestFinished(() => {
          child.kill('SIGKILL')
        })
      })
      expect(exit).toBe(code)
    },
  )
})
