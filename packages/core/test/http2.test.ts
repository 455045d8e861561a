import { once } from 'node:events'
import {
  type ClientHttp2Session,
  connect,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type ServerHttp2Stream,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import { lameduck } from '@lameduck/core'
import {
  errorCode,
  goawayLastStream,
  H2_FRAME,
  RawClient,
  RawH2Client,
  testCertificate,
} from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'

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
    // Node repeats the GOAWAY when the session ends; each names the last stream processed.
    expect(new Set(goaways)).toEqual(new Set([1]))
    expect(report).toMatchObject({ ok: true, requests: { drained: 1, forced: 0 } })
  })

  it('names the last stream processed, so a stream that crossed the GOAWAY is safe to retry', async () => {
    const server = createServer()
    server.on('stream', respondAfterDelay)
    const { ld, port } = await start(server)
    const raw = await RawH2Client.connect(port)
    onTestFinished(() => raw.close())
    raw.get(1)
    await once(server, 'stream')
    // Stream 3 leaves the client after the server has sent its GOAWAY, as if it crossed it.
    let crossed = false
    raw.onFrame((frame) => {
      if (frame.type !== H2_FRAME.GOAWAY || crossed) return
      crossed = true
      raw.get(3)
    })
    const report = await ld.shutdown()
    const answered = raw.frames.filter((f) => f.type === H2_FRAME.HEADERS).map((f) => f.stream)
    expect(answered).toEqual([1])
    const goaway = raw.frames.find((f) => f.type === H2_FRAME.GOAWAY)!
    expect(goawayLastStream(goaway)).toBe(1)
    expect(errorCode(goaway)).toBe(0)
    expect(report).toMatchObject({ ok: true, requests: { drained: 1 } })
  })

  it('refuses new streams after the final GOAWAY, in a way the client may retry', async () => {
    const server = createServer()
    server.on('stream', respondAfterDelay)
    const { ld, port } = await start(server)
    const session = client(`http://127.0.0.1:${port}`)
    const inFlight = get(session, '/?ms=200')
    await once(server, 'stream')
    const final = new Promise<number>((resolve) =>
      session.on('goaway', (_code, last) => last < 2 ** 31 - 1 && resolve(last)),
    )
    const report = ld.shutdown()
    expect(await final).toBe(1)
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
    await report
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
    const report = await ld.shutdown()
    expect(await h2).toEqual({ status: 200, body: 'v2.0' })
    expect(await h1client.read()).toMatchObject({ body: 'v1.1', headers: { connection: 'close' } })
    expect(report).toMatchObject({ ok: true, requests: { drained: 2 } })
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
