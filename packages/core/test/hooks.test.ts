import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { InvalidStateError, lameduck } from '@lameduck/core'
import { get } from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'

describe('cleanup hooks', () => {
  it('run after the drain, last registered first', async () => {
    const ld = lameduck({ signals: false })
    let respond: () => void = () => {}
    let responded = false
    const server = createServer((_req, res) => {
      res.on('finish', () => {
        responded = true
      })
      respond = () => res.end('done')
    })
    ld.attach(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const response = get((server.address() as AddressInfo).port, '/')
    await once(server, 'request')
    const order: string[] = []
    ld.onShutdown('pool', () => {
      order.push(`pool: ${ld.state}, listening ${server.listening}, responded ${responded}`)
    })
    ld.onShutdown('cache', async () => {
      await new Promise(setImmediate)
      order.push('cache')
    })
    const shutdown = ld.shutdown()
    // The drain is under way: the hooks wait for this in-flight response.
    expect(order).toEqual([])
    respond()
    const report = await shutdown
    expect(await response).toMatchObject({ status: 200, body: 'done', connection: 'close' })
    expect(order).toEqual(['cache', 'pool: draining, listening false, responded true'])
    expect(report.hooks.map((h) => [h.name, h.status])).toEqual([
      ['cache', 'ok'],
      ['pool', 'ok'],
    ])
    expect(report).toMatchObject({ ok: true, requests: { drained: 1 } })
    expect(ld.state).toBe('closed')
  })

  it('report a hook that throws or hangs and still run the others', async () => {
    const warnings: unknown[] = []
    const errors: string[] = []
    const logger = {
      debug() {},
      info() {},
      warn: (obj: Record<string, unknown>) => warnings.push(obj),
      error: (_obj: Record<string, unknown>, msg?: string) => errors.push(msg!),
    }
    const ld = lameduck({ signals: false, hookTimeout: 50, logger })
    const ran: string[] = []
    ld.onShutdown('first', () => ran.push('first'))
    ld.onShutdown('hangs', () => new Promise(() => {}))
    ld.onShutdown('rejects', () => Promise.reject(new Error('nope')))
    ld.onShutdown('throws', () => {
      throw new Error('boom')
    })
    ld.onShutdown('slow but allowed', () => new Promise((r) => setTimeout(r, 80)), {
      timeout: 500,
    })
    const report = await ld.shutdown()
    expect(ran).toEqual(['first'])
    expect(report.hooks.map((h) => [h.name, h.status])).toEqual([
      ['slow but allowed', 'ok'],
      ['throws', 'error'],
      ['rejects', 'error'],
      ['hangs', 'timeout'],
      ['first', 'ok'],
    ])
    expect(report.hooks[1]).toMatchObject({ error: new Error('boom') })
    expect(report.hooks[3]?.ms).toBeGreaterThanOrEqual(49)
    expect(report.ok).toBe(false)
    // One warning per hook, with the error itself; then one error line for the whole shutdown.
    expect(warnings).toHaveLength(3)
    expect(warnings[0]).toMatchObject({ hook: 'throws', err: expect.any(Error) })
    expect(errors).toEqual([
      expect.stringMatching(
        /^lameduck: shutdown \(shutdown\(\)\) not clean: hook "throws" failed: boom; hook "rejects" failed: nope; hook "hangs" timed out after \d+ ms$/,
      ),
    ])
  })

  it('cannot be added once the shutdown has started', async () => {
    const ld = lameduck({ signals: false })
    const done = ld.shutdown()
    expect(() => ld.onShutdown('late', () => {})).toThrow(InvalidStateError)
    await done
  })
})
