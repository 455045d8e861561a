// The private Node fields lameduck reads (src/node-internals.ts), checked on the running Node.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import {
  connect as connectH2,
  createServer as createH2Server,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2'
import { type AddressInfo, connect, type Socket } from 'node:net'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import { RawClient, testCertificate } from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'
import {
  activeResponse,
  connectionCount,
  httpConnections,
  newProbeRun,
  openStreams,
  PROBES,
  rawSocketOf,
  stopConnectionsChecker,
} from '../src/node-internals.js'

async function listening() {
  const server = createServer((_req, res) => res.end('ok'))
  const accepted: Socket[] = []
  server.on('connection', (socket: Socket) => accepted.push(socket))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => {
    server.closeAllConnections()
    for (const socket of accepted) socket.destroy()
    server.close()
  })
  return { server, accepted, port: (server.address() as AddressInfo).port }
}

describe(`node internals on ${process.version}`, () => {
  it('lists open HTTP connections, and drops a socket once it is upgraded', async () => {
    const { server, accepted, port } = await listening()
    const upgraded = new Promise<Socket>((resolve) => {
      server.on('upgrade', (_req, socket) => resolve(socket as Socket))
    })
    const idle = connect(port, '127.0.0.1')
    const upgrading = connect(port, '127.0.0.1')
    onTestFinished(() => {
      idle.destroy()
      upgrading.destroy()
    })
    await Promise.all([once(idle, 'connect'), once(upgrading, 'connect')])
    await expect.poll(() => accepted.length).toBe(2)
    expect(new Set(httpConnections(server))).toEqual(new Set(accepted))
    expect(connectionCount(server)).toBe(2)
    upgrading.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: x\r\n\r\n')
    const socket = await upgraded
    expect(httpConnections(server)).toEqual(accepted.filter((s) => s !== socket))
    expect(connectionCount(server)).toBe(2)
  })

  it('names the response being written, and not one queued behind it by pipelining', async () => {
    const { server, port } = await listening()
    const seen: [boolean, boolean][] = []
    const responses: ServerResponse[] = []
    server.removeAllListeners('request')
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      seen.push([activeResponse(req.socket) === res, activeResponse(req.socket) !== undefined])
      responses.push(res)
      if (responses.length === 2) setTimeout(() => responses[0]!.end('first'), 10)
      if (responses.length === 1) res.on('finish', () => responses[1]!.end('second'))
    })
    const raw = await RawClient.connect(port)
    onTestFinished(() => raw.close())
    raw.send('GET', '/1')
    raw.send('GET', '/2')
    expect((await raw.read()).body).toBe('first')
    expect((await raw.read()).body).toBe('second')
    expect(seen).toEqual([
      [true, true],
      [false, true],
    ])
    expect(activeResponse(raw.socket)).toBeUndefined()
    const [serverSide] = httpConnections(server)
    expect(activeResponse(serverSide!)).toBeUndefined()
  })

  it('finds the connections checker to stop', async () => {
    const { server } = await listening()
    const key = Object.getOwnPropertySymbols(server).find(
      (s) => s.description === 'http.server.connectionsCheckingInterval',
    )
    expect(key).toBeDefined()
    const interval = (server as unknown as Record<symbol, NodeJS.Timeout>)[key!]!
    expect(interval.hasRef()).toBe(false)
    stopConnectionsChecker(server)
    expect((interval as unknown as { _destroyed: boolean })._destroyed).toBe(true)
  })

  it('finds the TCP socket a TLS server wrapped', async () => {
    const raws: Socket[] = []
    const server = createTlsServer(await testCertificate())
    server.on('connection', (raw: Socket) => raws.push(raw))
    const secured = new Promise<TLSSocket>((resolve) => server.on('secureConnection', resolve))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => {
      server.close()
    })
    const client = await RawClient.connect((server.address() as AddressInfo).port, true)
    onTestFinished(() => client.close())
    const socket = await secured
    onTestFinished(() => {
      socket.destroy()
    })
    expect(raws).toHaveLength(1)
    expect(rawSocketOf(socket)).toBe(raws[0])
  })

  it('lists the streams an HTTP/2 session has open, and not those that ended', async () => {
    const server = createH2Server()
    const streams = new Map<string, ServerHttp2Stream>()
    const bothOpen = new Promise<void>((resolve) => {
      server.on('stream', (stream, headers) => {
        streams.set(String(headers[':path']), stream)
        if (streams.size === 2) resolve()
      })
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => {
      server.close()
    })
    const client = connectH2(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    client.on('error', () => {})
    onTestFinished(() => client.destroy())
    client.request({ ':path': '/quick' }).resume()
    client.request({ ':path': '/hang' }).on('error', () => {})
    await bothOpen
    const quick = streams.get('/quick')!
    const hung = streams.get('/hang')!
    const session = hung.session as ServerHttp2Session
    expect(openStreams(session)).toEqual([quick, hung])
    quick.respond({ ':status': 200 })
    quick.end()
    await once(quick, 'close')
    expect(openStreams(session)).toEqual([hung])
    hung.close()
    await once(hung, 'close')
    expect(openStreams(session)).toEqual([])
  })

  it('holds every probe of the support check', () => {
    const run = newProbeRun()
    expect(PROBES.filter((probe) => !probe.holds(run)).map((probe) => probe.name)).toEqual([])
  })

  it('parses one request for all its probes, and does not abort it', async () => {
    // An app does not abort requests at startup, and the probes run before its first request:
    // an aborted one there got eight of Node's stream functions deoptimized under load. The two
    // probes that read a request share one, so that the first attach() builds as few of Node's
    // objects as it can (docs/benchmarks.md).
    const parsed: IncomingMessage[] = []
    const onStart = (message: unknown) =>
      parsed.push((message as { request: IncomingMessage }).request)
    subscribe('http.server.request.start', onStart)
    try {
      const run = newProbeRun()
      for (const probe of PROBES) probe.holds(run)
    } finally {
      unsubscribe('http.server.request.start', onStart)
    }
    await new Promise((resolve) => setImmediate(resolve))
    expect(parsed).toHaveLength(1)
    expect(parsed[0]!.destroyed).toBe(false)
  })
})
