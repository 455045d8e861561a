import { EventEmitter, once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { closeWebSocketsOnDrain, type Lameduck, lameduck } from '@lameduck/core'
import { listenForTest, RawClient } from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'

async function listen(server: Server, options = {}) {
  const ld = lameduck({ signals: false, idleGrace: 20, ...options })
  ld.attach(server)
  return { ld, port: await listenForTest(server) }
}

/** Server-sent events: a first event at once, then silence until the drain ends the stream. */
function sse(ld: () => Lameduck) {
  return createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: hello\n\n')
    ld().endOnDrain(res, (r) => r.end('event: bye\ndata: shutting down\n\n'))
  })
}

describe('long-lived connections', { timeout: 10_000 }, () => {
  it('WebSocket clients get 1001 Going Away at drain start; the drain ends when they close', async () => {
    const server = createServer()
    const wss = new WebSocketServer({ server })
    wss.on('connection', (socket) => socket.send('welcome'))
    const { ld, port } = await listen(server, { timeout: 5_000 })
    closeWebSocketsOnDrain(ld, wss)
    const clients = Array.from({ length: 3 }, () => new WebSocket(`ws://127.0.0.1:${port}`))
    onTestFinished(() => {
      for (const client of clients) client.terminate()
    })
    await Promise.all(clients.map((client) => once(client, 'message')))
    const closes = clients.map((client) => once(client, 'close'))
    const report = await ld.shutdown()
    for (const [code, reason] of await Promise.all(closes)) {
      expect(code).toBe(1001)
      expect(String(reason)).toBe('server shutting down')
    }
    expect(report).toMatchObject({ ok: true, sockets: { forced: 0 } })
    expect(report.durations.drain).toBeLessThan(1_000)
  })

  it('validates closeWebSocketsOnDrain arguments', () => {
    const ld = lameduck({ signals: false })
    expect(() => closeWebSocketsOnDrain(ld, {} as never)).toThrow(/closeWebSocketsOnDrain\(wss\)/)
    expect(() => closeWebSocketsOnDrain(ld, { clients: [] }, { code: 99 })).toThrow(/code/)
  })

  it('server-sent events: endOnDrain sends a final event and ends the stream cleanly', async () => {
    let ld: Lameduck | undefined
    const { ld: handle, port } = await listen(sse(() => ld!))
    ld = handle
    const raw = await RawClient.connect(port)
    onTestFinished(() => raw.close())
    raw.send('GET', '/events')
    await raw.headers()
    const report = await ld.shutdown()
    const response = await raw.read()
    expect(response.body).toBe('data: hello\n\nevent: bye\ndata: shutting down\n\n')
    expect(report).toMatchObject({ ok: true, requests: { drained: 1, forced: 0 } })
    expect(report.durations.drain).toBeLessThan(1_000)
  })

  it('a stream left to finish on its own is cut at the deadline and reported', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: hello\n\n')
    })
    const { ld, port } = await listen(server, { timeout: 200 })
    const raw = await RawClient.connect(port)
    onTestFinished(() => raw.close())
    raw.send('GET', '/events')
    await raw.headers()
    const report = await ld.shutdown()
    expect(report).toMatchObject({ ok: false, requests: { forced: 1 } })
    await raw.closed
  })

  it('endOnDrain is cancelled when the response closes first, and runs at once once draining', async () => {
    const ld = lameduck({ signals: false, delay: 50, timeout: 1_000 })
    const ended: string[] = []
    const server = createServer((req, res) => {
      ld.endOnDrain(res, () => ended.push(req.url!))
      res.end()
    })
    ld.attach(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    const raw = await RawClient.connect(port)
    onTestFinished(() => raw.close())
    await raw.request('GET', '/closed-first')
    const done = ld.shutdown()
    const late = { end: () => ended.push('late'), once() {}, off() {} }
    ld.endOnDrain(late)
    expect(ended).toEqual(['late'])
    raw.close()
    await done
  })

  it('reads a slow upload that began before the shutdown to its end, and answers it', async () => {
    const received = new EventEmitter()
    const server = createServer((req, res) => {
      let bytes = 0
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        received.emit('chunk')
      })
      req.on('end', () => res.end(String(bytes)))
    })
    // idleGrace 0: a socket with a request still arriving is not idle, however long it takes.
    const { ld, port } = await listen(server, { timeout: 5_000, idleGrace: 0 })
    const raw = await RawClient.connect(port)
    onTestFinished(() => raw.close())
    raw.socket.write('POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 50\r\n\r\n')
    const first = once(received, 'chunk')
    raw.socket.write('0123456789')
    await first
    const report = ld.shutdown()
    // The rest of the body arrives during the drain, a chunk at a time, each once the server has
    // read the one before.
    for (let i = 0; i < 4; i++) {
      const read = once(received, 'chunk')
      raw.socket.write('0123456789')
      await read
    }
    expect(await raw.read()).toMatchObject({
      status: 200,
      body: '50',
      headers: { connection: 'close' },
    })
    expect(await report).toMatchObject({ ok: true, requests: { drained: 1 } })
  })
})
