import { once } from 'node:events'
import { createServer } from 'node:http'
import { lameduck } from '@lameduck/core'
import { describe, expect, it } from 'vitest'

const throwing = {
  debug() {
    throw new Error('transport down')
  },
  info() {
    throw new Error('transport down')
  },
  warn() {
    throw new Error('transport down')
  },
  error() {
    throw new Error('transport down')
  },
}

describe('a logger that throws', () => {
  it('does not make shutdown() reject, and is reported once as a process warning', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const ld = lameduck({ signals: false, logger: throwing, hookTimeout: 50 })
      const server = createServer()
      ld.attach(server)
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      // A failing hook makes lameduck log an error too.
      ld.onShutdown('broken', () => Promise.reject(new Error('boom')))
      const report = await ld.shutdown()
      expect(report).toMatchObject({ ok: false, hooks: [{ name: 'broken', status: 'error' }] })
      expect(ld.state).toBe('closed')
      // Warnings are emitted on the next tick.
      await new Promise(setImmediate)
      expect(
        warnings.filter((w) => (w as { code?: string }).code === 'LAMEDUCK_LOGGER_THREW'),
      ).toHaveLength(1)
    } finally {
      process.off('warning', onWarning)
    }
  })
})
