import { EventEmitter, once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { connect, createServer as createHttp2Server, type Http2Server } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { closeWebSocketsOnDrain, type Lameduck, lameduck } from '@lameduck/core'
import { listenForTest, RawClient } from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'

async function listen(server: Server | Http2Server, options = {}) {
  const ld = lameduck({ signals: false, idleGrace: 20, ...options })
  ld.attach(server)
  return { ld, port: await listenForTest(server) }
}

/**
 * Ms between the first and the last of `events` to settle, counted from now. Told to go at once,
 * connections go within a few ms of each other; spread over 1.5 s, 20 or more all within 0.5 s
 * has a chance below 1e-8.
 */
async function spanOf(events: Promise<unknown>[]): Promise<number> {
  const start = performance.now()
  const times = await Promise.all(events.map((e) => e.then(() => performance.now() - start)))
  return Math.max(...times) - Math.min(...times)
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

  it('sends 1001 when the listener closes, not during the delay', async () => {
    const server = createServer()
    const wss = new WebSocketServer({ server })
    wss.on('connection', (socket) => {
      socket.on('message', (data) => socket.send(`echo ${data}`))
    })
    const { ld, port } = await listen(server, { timeout: 5_000, delay: 1_000 })
    closeWebSocketsOnDrain(ld, wss)
    const client = new WebSocket(`ws://127.0.0.1:${port}`)
    onTestFinished(() => client.terminate())
    await once(client, 'open')
    const closed = once(client, 'close')
    const report = ld.shutdown()
    // A 1001 sent at the start would reach the client before this echo, and the server would
    // not answer a message that arrives after its close frame.
    client.send('during delay')
    const [echo] = await once(client, 'message')
    expect(String(echo)).toBe('echo during delay')
    expect(client.readyState).toBe(WebSocket.OPEN)
    expect(ld.state).toBe('draining')
    const [code] = await closed
    expect(code).toBe(1001)
    expect((await report).durations.delay).toBeGreaterThanOrEqual(1_000)
  })

  it('closeSpread: idle keep-alive sockets are closed across the window, each once', async () => {
    const server = createServer((_req, res) => res.end('ok'))
    const { ld, port } = await listen(server, { timeout: 5_000, closeSpread: 1_500 })
    const clients = await Promise.all(Array.from({ length: 40 }, () => RawClient.connect(port)))
    onTestFinished(() => {
      for (const raw of clients) raw.close()
    })
    await Promise.all(clients.map((raw) => raw.request('GET', '/')))
    const span = spanOf(clients.map((raw) => raw.closed))
    const report = await ld.shutdown()
    expect(await span).toBeGreaterThan(500)
    expect(report).toMatchObject({
      ok: true,
      sockets: { idleClosed: 40, forced: 0 },
      closeSpread: { window: 1_500, closes: 40 },
    })
  })

  it("closeSpread: a request arriving before its socket's moment is served with Connection: close", async () => {
    const server = createServer((_req, res) => res.end('ok'))
    // idleGrace 0: only the spread keeps the socket open after the listener closes.
    const { ld, port } = await listen(server, { timeout: 5_000, closeSpread: 3_000, idleGrace: 0 })
    const clients = await Promise.all(Array.from({ length: 20 }, () => RawClient.connect(port)))
    onTestFinished(() => {
      for (const raw of clients) raw.close()
    })
    await Promise.all(clients.map((raw) => raw.request('GET', '/')))
    const report = ld.shutdown()
    const answers = await Promise.allSettled(clients.map((raw) => raw.request('GET', '/again')))
    // Each socket was either still open (answered, then closed by Connection: close) or already
    // closed at its moment (its client sees the close, never a reset mid-response).
    const answered = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []))
    for (const response of answered) expect(response.headers.connection).toBe('close')
    expect(answered.length).toBeGreaterThan(0)
    expect(await report).toMatchObject({ ok: true, sockets: { forced: 0 } })
  })

  it('closeSpread: HTTP/2 sessions get their GOAWAY across the window, each once', async () => {
    const server = createHttp2Server((_req, res) => res.end('ok'))
    const { ld, port } = await listen(server, { timeout: 5_000, closeSpread: 1_500 })
    const sessions = Array.from({ length: 20 }, () => connect(`http://127.0.0.1:${port}`))
    onTestFinished(() => {
      for (const session of sessions) session.destroy()
    })
    await Promise.all(
      sessions.map((session) => {
        const stream = session.request({ ':path': '/' })
        stream.resume()
        return once(stream, 'end')
      }),
    )
    const span = spanOf(sessions.map((session) => once(session, 'goaway')))
    const report = await ld.shutdown()
    expect(await span).toBeGreaterThan(500)
    expect(report).toMatchObject({
      ok: true,
      closeSpread: { window: 1_500, closes: 20 },
    })
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

  it('server-sent events: an EventSource client gets a random retry: before the final event', async () => {
    let ld: Lameduck | undefined
    const { ld: handle, port } = await listen(sse(() => ld!))
    ld = handle
    const raws = await Promise.all(Array.from({ length: 5 }, () => RawClient.connect(port)))
    onTestFinished(() => {
      for (const raw of raws) raw.close()
    })
    for (const raw of raws)
      raw.socket.write('GET /events HTTP/1.1\r\nhost: x\r\naccept: text/event-stream\r\n\r\n')
    await Promise.all(raws.map((raw) => raw.headers()))
    await ld.shutdown()
    const retries = new Set<number>()
    for (const raw of raws) {
      const { body } = await raw.read()
      const match = /^data: hello\n\nretry: (\d+)\n\nevent: bye\ndata: shutting down\n\n$/.exec(
        body,
      )
      expect(match, body).not.toBeNull()
      const ms = Number(match![1])
      expect(ms).toBeGreaterThanOrEqual(1_000)
      expect(ms).toBeLessThanOrEqual(5_000)
      retries.add(ms)
    }
    expect(retries.size).toBeGreaterThan(1)
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

  it('endOnDrain is cancelled when the response closes first, waits out the delay, and runs at once once the listener has closed', async () => {
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
    // During the delay the instance may still receive traffic: a goodbye would bring the client
    // straight back to it.
    expect(ended).toEqual([])
    raw.close()
    await done
    expect(ended).toEqual(['late'])
    ld.endOnDrain({ end: () => ended.push('after'), once() {}, off() {} })
    expect(ended).toEqual(['late', 'after'])
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
