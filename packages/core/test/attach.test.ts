import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { InvalidStateError, lameduck } from '@lameduck/core'
import { connectOutcome, RawClient } from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'

async function listen(server: Server) {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => {
    server.closeAllConnections()
    if (server.listening) server.close()
  })
  return (server.address() as AddressInfo).port
}

describe('attach', () => {
  it('drains every server one handle owns, and resolves when the last one is done', async () => {
    const ld = lameduck({ signals: false, idleGrace: 20 })
    const slow = createServer((_req, res) => setTimeout(() => res.end('slow'), 150))
    const fast = createServer((_req, res) => res.end('fast'))
    ld.attach(slow).attach(fast)
    const [slowPort, fastPort] = [await listen(slow), await listen(fast)]
    const idle = await RawClient.connect(fastPort)
    await idle.request('GET', '/')
    const busy = await RawClient.connect(slowPort)
    busy.send('GET', '/')
    await new Promise<void>((resolve) => slow.once('request', () => resolve()))
    const report = await ld.shutdown()
    expect(await busy.read()).toMatchObject({ body: 'slow', headers: { connection: 'close' } })
    expect(report).toMatchObject({ ok: true, requests: { drained: 1 }, sockets: { idleClosed: 1 } })
    expect(report.durations.drain).toBeGreaterThanOrEqual(100)
    expect(await connectOutcome(slowPort)).toBe('ECONNREFUSED')
    expect(await connectOutcome(fastPort)).toBe('ECONNREFUSED')
    idle.close()
    busy.close()
  })

  it('serves a request that waited unread while the event loop was busy past the idle grace', async () => {
    const ld = lameduck({ signals: false, idleGrace: 50 })
    const server = createServer((_req, res) => res.end('ok'))
    ld.attach(server)
    const client = await RawClient.connect(await listen(server))
    expect((await client.request('GET', '/')).status).toBe(200)
    const report = ld.shutdown()
    // The request reaches the server's kernel buffer at once; the loop then stays busy past the
    // grace, so the idle timer comes due before the loop has read the socket.
    client.send('GET', '/')
    const busyUntil = performance.now() + 150
    while (performance.now() < busyUntil) {}
    expect(await client.read()).toMatchObject({ status: 200, headers: { connection: 'close' } })
    expect(await report).toMatchObject({ ok: true, sockets: { idleClosed: 0 } })
  })

  it('drains a server attached before it listens', async () => {
    const ld = lameduck({ signals: false })
    const server = createServer((_req, res) => res.end('ok'))
    ld.attach(server)
    const port = await listen(server)
    expect((await (await RawClient.connect(port)).request('GET', '/')).status).toBe(200)
    expect((await ld.shutdown()).sockets.idleClosed).toBe(1)
  })

  it('finishes at once with a server that never listened', async () => {
    const ld = lameduck({ signals: false })
    ld.attach(createServer())
    expect(await ld.shutdown()).toMatchObject({ ok: true, sockets: { forced: 0 } })
  })

  it('refuses the same server twice, and any server once the shutdown started', async () => {
    const ld = lameduck({ signals: false })
    const server = createServer()
    ld.attach(server)
    expect(() => ld.attach(server)).toThrow(InvalidStateError)
    const done = ld.shutdown()
    expect(() => ld.attach(createServer())).toThrow(/attach\(\) called while draining/)
    await done
  })

  it('marks responses of a request listener added after attach', async () => {
    const ld = lameduck({ signals: false })
    const server = createServer()
    ld.attach(server)
    server.on('request', (_req, res) => setTimeout(() => res.end('late'), 100))
    const port = await listen(server)
    const raw = await RawClient.connect(port)
    raw.send('GET', '/')
    await new Promise<void>((resolve) => server.once('request', () => resolve()))
    const report = ld.shutdown()
    expect(await raw.read()).toMatchObject({ body: 'late', headers: { connection: 'close' } })
    expect((await report).ok).toBe(true)
    raw.close()
  })
})
