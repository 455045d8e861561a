import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { once } from 'node:events'
import {
  type ClientHttp2Session,
  connect,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2'
import { type AddressInfo, createServer as createNetServer } from 'node:net'
import { CHANNELS, lameduck } from '@lameduck/core'
import {
  errorCode,
  goawayLastStream,
  H2_FRAME,
  jsTransport,
  NOTICE_LAST_STREAM,
  RawClient,
  RawH2Client,
  testCertificate,
} from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'
import { sessionSocket } from '../src/node-internals.js'
import { NOTICE_WAITS } from '../src/shutdown-notice.js'

type AnyHttp2Server = Http2Server | Http2SecureServer

/** Streams answer after `?ms=` (default 100); '/hang' never answers. */
function respondAfterDelay(stream: ServerHttp2Stream, headers: Record<string, unknown>) {
  const path = String(headers[':path'])
  if (path === '/hang') return
  const ms = Number(new URL(path, 'http://x').searchParams.get('ms') ?? 100)
  setTimeout(() => {
    if (stream.destroyed) return
    stream.respond({ ':status': 200 })
    stream.end(`ok ${stream.id}`)
  }, ms)
}

async function start(server: AnyHttp2Server, options = {}) {
  const ld = lameduck({ signals: false, idleGrace: 50, ...options })
  ld.attach(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => {
    if (server.listening) server.close()
  })
  return { ld, port: (server.address() as AddressInfo).port }
}

function client(url: string) {
  const session = connect(url, { rejectUnauthorized: false })
  session.on('error', () => {})
  onTestFinished(() => session.destroy())
  return session
}

function get(session: ClientHttp2Session, path: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const stream = session.request({ ':path': path })
    let body = ''
    let status = 0
    stream.on('response', (headers) => {
      status = Number(headers[':status'])
    })
    stream.on('data', (chunk) => {
      body += chunk
    })
    stream.on('end', () => resolve({ status, body }))
    stream.on('error', reject)
  })
}

describe('HTTP/2', { timeout: 10_000 }, () => {
  it('lets an in-flight stream complete, then closes the session and resolves', async () => {
    const server = createServer()
    server.on('stream', respondAfterDelay)
    const { ld, port } = await start(server)
    const session = client(`http://127.0.0.1:${port}`)
    const goaways: number[] = []
    session.on('goaway', (_code, last) => goaways.push(last))
    const inFlight = get(session, '/?ms=150')
    await once(server, 'stream')
    const report = await ld.shutdown()
    expect(await inFlight).toEqual({ status: 200, body: 'ok 1' })
    // The shutdown notice, then the final GOAWAY naming the last stream processed (Node repeats
    // it when the session ends).
    expect(goaways[0]).toBe(NOTICE_LAST_STREAM)
    expect(new Set(goaways.slice(1))).toEqual(new Set([1]))
    expect(report).toMatchObject({
      ok: true,
      requests: { drained: 1, forced: 0 },
      http2: { twoStep: 1, unacknowledged: 0 },
    })
  })

  it('serves a stream the client opens as it reads the shutdown notice, and names it in the final GOAWAY', async () => {
    const server = createServer()
    server.on('stream', respondAfterDelay)
    const { ld, port } = await start(server)
    const raw = await RawH2Client.connect(port)
    onTestFinished(() => raw.close())
    raw.get(1)
    await once(server, 'stream')
    let opened = false
    raw.onFrame((frame) => {
      if (frame.type !== H2_FRAME.GOAWAY || opened) return
      opened = true
      raw.get(3)
    })
    const report = await ld.shutdown()
    const answered = raw.frames.filter((f) => f.type === H2_FRAME.HEADERS).map((f) => f.stream)
    expect(answered).toEqual([1, 3])
    const [notice, final] = raw.frames.filter((f) => f.type === H2_FRAME.GOAWAY)
    expect([goawayLastStream(notice!), errorCode(notice!)]).toEqual([NOTICE_LAST_STREAM, 0])
    expect([goawayLastStream(final!), errorCode(final!)]).toEqual([3, 0])
    // The PING whose acknowledgement tells the server the client has read the notice.
    const ping = raw.frames.findIndex((f) => f.type === H2_FRAME.PING)
    expect(ping).toBeGreaterThan(raw.frames.indexOf(notice!))
    expect(ping).toBeLessThan(raw.frames.indexOf(final!))
    expect(report).toMatchObject({ ok: true, requests: { drained: 2 }, http2: { twoStep: 1 } })
  })

  it("sends the notice only after the server's SETTINGS, and one GOAWAY when the client never acknowledges them", async () => {
    const server = createServer()
    server.on('stream', respondAfterDelay)
    const { ld, port } = await start(server)
    const raw = await RawH2Client.connect(port, { ackSettings: false })
    onTestFinished(() => raw.close())
    raw.get(1)
    await once(server, 'stream')
    const report = await ld.shutdown()
    expect(raw.frames[0]!.type).toBe(H2_FRAME.SETTINGS)
    const goaways = raw.frames.filter((f) => f.type === H2_FRAME.GOAWAY).map(goawayLastStream)
    expect(new Set(goaways)).toEqual(new Set([1]))
    expect(report).toMatchObject({
      ok: true,
      http2: { twoStep: 0, oneStep: { busy: 1 } },
    })
    expect(report.durations.drain).toBeGreaterThanOrEqual(NOTICE_WAITS.boundary - 10)
  })

  it('sends the final GOAWAY after a bounded wait when the client never acknowledges the PING', async () => {
    const server = createServer()
    server.on('stream', respondAfterDelay)
    const { ld, port } = await start(server)
    const raw = await RawH2Client.connect(port, { ackPings: false })
    onTestFinished(() => raw.close())
    raw.get(1, '/?ms=0')
    await raw.next((f) => f.type === H2_FRAME.HEADERS)
    const report = await ld.shutdown()
    const goaways = raw.frames.filter((f) => f.type === H2_FRAME.GOAWAY).map(goawayLastStream)
    expect(goaways.slice(0, 2)).toEqual([NOTICE_LAST_STREAM, 1])
    expect(report).toMatchObject({ ok: true, http2: { twoStep: 0, unacknowledged: 1 } })
    expect(report.durations.drain).toBeGreaterThanOrEqual(NOTICE_WAITS.ack - 10)
    expect(report.durations.drain).toBeLessThan(NOTICE_WAITS.ack + 1_000)
  })

  it('writes no notice while a frame is part-written: one GOAWAY after the bound, every byte intact', async () => {
    const body = Buffer.alloc(32 * 1024 * 1024, 'x')
    const server = createServer()
    let session: ServerHttp2Session | undefined
    server.on('stream', (stream) => {
      session = stream.session as ServerHttp2Session
      stream.respond({ ':status': 200 })
      stream.end(body)
    })
    const { ld, port } = await start(server, { timeout: 8_000 })
    const raw = await RawH2Client.connect(port)
    onTestFinished(() => raw.close())
    raw.openWindows()
    raw.get(1)
    // The client stops reading: the kernel's buffers fill and the rest waits in libuv's queue.
    await raw.next((f) => f.type === H2_FRAME.DATA)
    raw.socket.pause()
    await expect
      .poll(() => (session ? (sessionSocket(session)?.queued ?? 0) : 0))
      .toBeGreaterThan(0)
    const gaveUp = new Promise<unknown>((resolve) => {
      const onGoaway = (message: unknown) => {
        unsubscribe(CHANNELS.goaway, onGoaway)
        resolve(message)
      }
      subscribe(CHANNELS.goaway, onGoaway)
    })
    const report = ld.shutdown()
    expect(await gaveUp).toEqual({ steps: 1, reason: 'busy' })
    raw.socket.resume()
    expect(await report).toMatchObject({ ok: true, http2: { twoStep: 0, oneStep: { busy: 1 } } })
    const data = raw.frames.filter((f) => f.type === H2_FRAME.DATA)
    expect(data.reduce((sum, f) => sum + f.payload.length, 0)).toBe(body.length)
    const goaways = raw.frames.filter((f) => f.type === H2_FRAME.GOAWAY).map(goawayLastStream)
    expect(new Set(goaways)).toEqual(new Set([1]))
  })

  it('publishes how each session was closed on lameduck:goaway', async () => {
    const server = createServer()
    server.on('stream', respondAfterDelay)
    const { ld, port } = await start(server)
    const messages: unknown[] = []
    const onGoaway = (message: unknown) => {
      messages.push(message)
    }
    subscribe(CHANNELS.goaway, onGoaway)
    onTestFinished(() => {
      unsubscribe(CHANNELS.goaway, onGoaway)
    })
    const session = client(`http://127.0.0.1:${port}`)
    expect((await get(session, '/?ms=0')).status).toBe(200)
    await ld.shutdown()
    expect(messages).toEqual([{ steps: 2, acknowledged: true, pingMs: expect.any(Number) }])
  })

  it("Node's own client opens no stream on the session once it has read the notice, and its stream in flight is answered", async () => {
    const server = createServer()
    server.on('stream', respondAfterDelay)
    const { ld, port } = await start(server)
    const session = client(`http://127.0.0.1:${port}`)
    const inFlight = get(session, '/?ms=200')
    await once(server, 'stream')
    const notice = new Promise<number>((resolve) =>
      session.once('goaway', (_code, last) => resolve(last)),
    )
    const report = ld.shutdown()
    expect(await notice).toBe(NOTICE_LAST_STREAM)
    // Node's client refuses to open it (at once before Node 24, on the stream from Node 24 on).
    const late = await new Promise<string>((resolve) => {
      try {
        const stream = session.request({ ':path': '/' })
        stream.on('response', () => resolve('served'))
        stream.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
      } catch (error) {
        resolve((error as NodeJS.ErrnoException).code ?? 'error')
      }
    })
    expect(late).toBe('ERR_HTTP2_GOAWAY_SESSION')
    expect((await inFlight).status).toBe(200)
    expect(await report).toMatchObject({ ok: true, http2: { twoStep: 1 } })
  })

  it('closes a session over a JS stream with one GOAWAY: its socket has no descriptor to write to', async () => {
    const server = createServer()
    server.on('stream', respondAfterDelay)
    const ld = lameduck({ signals: false })
    ld.attach(server)
    // The app hands the HTTP/2 server a Duplex of its own instead of the TCP socket.
    const front = createNetServer((socket) => server.emit('connection', jsTransport(socket)))
    front.listen(0, '127.0.0.1')
    await once(front, 'listening')
    onTestFinished(() => {
      front.close()
    })
    const session = client(`http://127.0.0.1:${(front.address() as AddressInfo).port}`)
    expect((await get(session, '/?ms=0')).status).toBe(200)
    const goaway = once(session, 'goaway')
    const report = await ld.shutdown()
    expect((await goaway)[1]).toBe(1)
    expect(report.http2).toMatchObject({ twoStep: 0, oneStep: { transport: 1 } })
  })

  it('destroys a hung stream at the deadline and reports it', async () => {
    const server = createServer()
    server.on('stream', respondAfterDelay)
    const { ld, port } = await start(server, { timeout: 300 })
    const session = client(`http://127.0.0.1:${port}`)
    const hung = get(session, '/hang')
    await once(server, 'stream')
    const report = await ld.shutdown()
    expect(report).toMatchObject({ ok: false, requests: { forced: 1 }, sockets: { forced: 1 } })
    expect(
      await hung.then(
        (r) => r.status,
        () => 'reset',
      ),
    ).not.toBe(200)
  })

  it('drains HTTP/1.1 and HTTP/2 together on one TLS server (allowHTTP1)', async () => {
    const server = createSecureServer({ ...(await testCertificate()), allowHTTP1: true })
    server.on('request', (req, res) => {
      setTimeout(() => res.end(`v${req.httpVersion}`), 150)
    })
    let arrived = 0
    const bothArrived = new Promise<void>((resolve) =>
      server.on('request', () => {
        if (++arrived === 2) resolve()
      }),
    )
    const { ld, port } = await start(server)
    const session = client(`https://127.0.0.1:${port}`)
    const h2 = get(session, '/')
    const h1client = await RawClient.connect(port, true)
    onTestFinished(() => h1client.close())
    h1client.send('GET', '/')
    await bothArrived
    const goaways: number[] = []
    session.on('goaway', (_code, last) => goaways.push(last))
    const report = await ld.shutdown()
    expect(await h2).toEqual({ status: 200, body: 'v2.0' })
    expect(await h1client.read()).toMatchObject({ body: 'v1.1', headers: { connection: 'close' } })
    // Never the notice's bytes on an encrypted socket: one GOAWAY, and the TLS stream intact.
    expect(new Set(goaways)).toEqual(new Set([1]))
    expect(report).toMatchObject({
      ok: true,
      requests: { drained: 2 },
      http2: { twoStep: 0, oneStep: { tls: 1 } },
    })
  })

  it('closes an idle session without waiting for the deadline', async () => {
    const server = createServer()
    server.on('stream', respondAfterDelay)
    const { ld, port } = await start(server, { timeout: 5_000 })
    const session = client(`http://127.0.0.1:${port}`)
    expect((await get(session, '/?ms=0')).status).toBe(200)
    const report = await ld.shutdown()
    expect(report.ok).toBe(true)
    expect(report.durations.drain).toBeLessThan(1_000)
  })

  it("leaves HTTP/2's compatibility layer off for an app that uses the stream API", async () => {
    const server = createServer()
    server.on('stream', respondAfterDelay)
    await start(server)
    expect(server.listenerCount('request')).toBe(0)
  })
})
