import { lameduck } from '@lameduck/core'
import { describe, expect, it } from 'vitest'

describe('shutdown()', () => {
  it('returns the same promise to every call, one made by a listener of ld.signal included', async () => {
    const ld = lameduck({ signals: false })
    let fromListener: Promise<unknown> | undefined
    ld.signal.addEventListener('abort', () => {
      fromListener = ld.shutdown('from the abort listener')
    })
    const first = ld.shutdown('first')
    expect(fromListener).toBe(first)
    expect(ld.shutdown('again')).toBe(first)
    expect(await first).toMatchObject({ reason: 'first', ok: true })
  })
})
