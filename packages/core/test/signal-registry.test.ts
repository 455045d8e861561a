import { lameduck } from '@lameduck/core'
import { describe, expect, it } from 'vitest'

describe('signal handlers in one process', () => {
  it('installs one listener per signal however many handles want it, and removes it on close', async () => {
    const before = process.listenerCount('SIGTERM')
    const beforeHup = process.listenerCount('SIGHUP')
    const a = lameduck()
    const b = lameduck({ signals: ['SIGTERM', 'SIGHUP'] })
    expect(process.listenerCount('SIGTERM')).toBe(before + 1)
    expect(process.listenerCount('SIGHUP')).toBe(beforeHup + 1)
    await a.shutdown()
    expect(process.listenerCount('SIGTERM')).toBe(before + 1)
    await b.shutdown()
    expect(process.listenerCount('SIGTERM')).toBe(before)
    expect(process.listenerCount('SIGHUP')).toBe(beforeHup)
  })
})
