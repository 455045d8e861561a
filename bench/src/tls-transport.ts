// pnpm --filter @lameduck/bench tls-transport: can an HTTP/2 session over TLS get RFC 9113's
// shutdown notice, and at what cost? Node's TLS session gives no way to write it (nghttp2 alone
// writes on that socket, and TLSWrap takes one write at a time). This runs the session over a JS
// Duplex between the TLS socket and an h2c server instead: every write nghttp2 makes arrives in
// the Duplex whole, so the notice's 17 bytes can be queued between two of them. It measures the
// transport's throughput against Node's own TLS session (h2load, alternating runs) and, through
// a TLS-terminating frame proxy, the streams each drain drops. Results: docs/long-lived.md.
import { once } from 'node:events'
import {
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type ServerHttp2Session,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { createServer as createTlsServer, type TLSSocket, type Server as TlsServer } from 'node:tls'
import {
  H2FrameProxy,
  h2load,
  jsTransport,
  median,
  type TestCertificate,
  testCertificate,
} from '@lameduck/test-utils'
import { round } from './harness.js'
import { machine, markdownTable } from './report.js'

type Kind = 'native' | 'transport'

/** GOAWAY on stream 0, last stream id 2^31-1, NO_ERROR: the shutdown notice. */
const NOTICE = Buffer.from([0, 0, 8, 7, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0])
const SECONDS = 3
const PAIRS = 4
const DRAINS = 5

interface App {
  port: number
  received: number
  answered: number
  /** Closes the listener and every session: one GOAWAY (native) or notice, PING, GOAWAY. */
  drain(): Promise<void>
}

async function startApp(kind: Kind, certificate: TestCertificate): Promise<App> {
  const h2: Http2Server | Http2SecureServer =
    kind === 'native' ? createSecureServer(certificate) : createServer()
  const listener: Http2SecureServer | TlsServer =
    kind === 'native'
      ? (h2 as Http2SecureServer)
      : createTlsServer({ ...certificate, ALPNProtocols: ['h2'] })
  const sessions = new Map<ServerHttp2Session, Duplex | undefined>()
  const app = { port: 0, received: 0, answered: 0, drain }
  h2.on('stream', (stream) => {
    app.received++
    stream.resume()
    setTimeout(() => {
      if (stream.destroyed) return
      stream.respond({ ':status': 200 })
      stream.end('ok', () => app.answered++)
    }, 2)
  })
  const duplexes: Duplex[] = []
  h2.on('session', (session: ServerHttp2Session) => {
    sessions.set(session, duplexes.shift())
    session.on('close', () => sessions.delete(session))
  })
  if (kind === 'transport') {
    listener.on('secureConnection', (socket: TLSSocket) => {
      const duplex = jsTransport(socket)
      duplexes.push(duplex)
      h2.emit('connection', duplex)
    })
  }
  listener.listen(0, '127.0.0.1')
  await once(listener, 'listening')
  app.port = (listener.address() as AddressInfo).port

  async function drain(): Promise<void> {
    listener.close()
    const closed = [...sessions.keys()].map((s) => once(s, 'close'))
    for (const [session, duplex] of sessions) {
      if (session.closed || session.destroyed) continue
      if (duplex === undefined || !duplex.writable) {
        session.close()
        continue
      }
      // Queued behind every whole write nghttp2 made so far; the PING's ACK then comes after
      // every stream the client opened before it read the notice.
      duplex.write(NOTICE)
      const timer = setTimeout(() => session.close(), 2_000)
      session.ping(() => {
        clearTimeout(timer)
        session.close()
      })
    }
    await Promise.all(closed)
  }
  return app
}

async function throughput(kind: Kind, certificate: TestCertificate): Promise<number> {
  const app = await startApp(kind, certificate)
  const { succeeded } = await h2load(app.port, { tls: true, seconds: SECONDS }).done
  await app.drain()
  return succeeded / SECONDS
}

interface DrainRun {
  sent: number
  received: number
  answered: number
  errored: number
  neverSent: number
}

async function drainUnderLoad(kind: Kind, certificate: TestCertificate): Promise<DrainRun> {
  const app = await startApp(kind, certificate)
  const proxy = await H2FrameProxy.start(app.port, certificate)
  const run = h2load(proxy.port, { tls: true, requests: 1_000_000 })
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    await app.drain()
    const counts = await run.done
    await proxy.close()
    const { streamsSent: sent } = proxy.counts
    return {
      sent,
      received: app.received,
      answered: app.answered,
      errored: counts.started - counts.succeeded,
      neverSent: counts.started - sent,
    }
  } finally {
    run.kill()
    await proxy.close()
  }
}

const certificate = await testCertificate()
console.log(`machine: ${machine}, Node ${process.version}\n`)

const rates: Record<Kind, number[]> = { native: [], transport: [] }
const ratios: number[] = []
for (let pair = 0; pair < PAIRS; pair++) {
  const order: Kind[] = pair % 2 === 0 ? ['native', 'transport'] : ['transport', 'native']
  for (const kind of order) rates[kind].push(await throughput(kind, certificate))
  ratios.push(rates.transport[pair]! / rates.native[pair]!)
}
console.log(
  markdownTable(
    `Throughput over TLS: h2load -c 20 -m 10 for ${SECONDS} s, ${PAIRS} alternating pairs (req/s)`,
    ['session', 'req/s per run', 'median'],
    [
      ...(['native', 'transport'] as const).map((kind) => [
        kind === 'native' ? "Node's TLS session" : 'h2c session over the JS transport',
        rates[kind].map((r) => round(r, 0)).join(' '),
        round(median(rates[kind]), 0),
      ]),
      ['transport / native', ratios.map((r) => round(r, 2)).join(' '), round(median(ratios), 2)],
    ],
  ),
)

const drains: Record<Kind, DrainRun[]> = { native: [], transport: [] }
for (let i = 0; i < DRAINS; i++) {
  for (const kind of ['native', 'transport'] as const) {
    drains[kind].push(await drainUnderLoad(kind, certificate))
  }
}
const cell = (runs: DrainRun[], pick: (r: DrainRun) => number) => runs.map(pick).join(' ')
console.log(
  markdownTable(
    `Drain under load over TLS: h2load -c 20 -m 10 through a TLS-terminating frame proxy, drain at 1.5 s, ${DRAINS} runs each`,
    [
      'drain',
      'dropped by the server',
      'sent',
      'received but not answered',
      'h2load: started, not answered',
      'queued, never sent',
    ],
    (['native', 'transport'] as const).map((kind) => [
      kind === 'native'
        ? "Node's TLS session, session.close() (one GOAWAY)"
        : 'JS transport: notice, PING, session.close()',
      cell(drains[kind], (r) => r.sent - r.received),
      cell(drains[kind], (r) => r.sent),
      cell(drains[kind], (r) => r.received - r.answered),
      cell(drains[kind], (r) => r.errored),
      cell(drains[kind], (r) => r.neverSent),
    ]),
  ),
)
