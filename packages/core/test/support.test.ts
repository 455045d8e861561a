// attach() refuses a runtime whose Node internals moved. Each field lameduck reads is deleted or
// renamed here the way a Node release would do it: the objects Node makes stop carrying it under
// the name lameduck reads. A fresh copy of lameduck is loaded for each case, since the support
// check runs once per process.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { EventEmitter, once } from 'node:events'
import { Server as HttpServer } from 'node:http'
import {
  connect,
  createServer as createH2Server,
  createSecureServer,
  performServerHandshake,
} from 'node:http2'
import { createServer as createHttpsServer } from 'node:https'
import { type AddressInfo, Server as NetServer, Socket } from 'node:net'
import { Duplex } from 'node:stream'
import { TLSSocket } from 'node:tls'
import { testCertificate } from '@lameduck/test-utils'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { NODE_FIELDS, PROBES } from '../src/node-internals.js'
import { PROBE_ENV, TESTED_NODE_MAJORS } from '../src/support.js'

type Field = keyof typeof NODE_FIELDS
type Change = 'deleted' | 'renamed'

const restores: (() => void)[] = []
afterEach(() => {
  for (const restore of restores.splice(0).reverse()) restore()
})

function symbolOf(target: object, description: string): symbol {
  const key = Object.getOwnPropertySymbols(target).find((s) => s.description === description)
  if (key === undefined) throw new Error(`no ${description} on this Node`)
  return key
}

function listeningServer(): HttpServer {
  const server = new HttpServer()
  server.emit('listening')
  clearInterval(
    (server as unknown as Record<symbol, NodeJS.Timeout>)[
      symbolOf(server, NODE_FIELDS.connectionsChecker)
    ],
  )
  return server
}

/** A server-side HTTP/2 session over an in-memory stream, destroyed once the test is done. */
function h2Session(): object {
  const transport = new Duplex({ read() {}, write: (_c, _e, done) => done() })
  const session = performServerHandshake(transport)
  session.on('error', () => {})
  restores.push(() => {
    session.destroy()
    transport.destroy()
  })
  return session
}

/** Where Node stores each field, and the key it stores it under. */
function whereNodeKeeps(field: Field): { owner: object; key: string | symbol } {
  switch (field) {
    case 'connections':
    case 'connectionsChecker':
      return { owner: HttpServer.prototype, key: symbolOf(listeningServer(), NODE_FIELDS[field]) }
    case 'activeResponse':
      return { owner: Socket.prototype, key: NODE_FIELDS.activeResponse }
    case 'lastRequest':
      return { owner: Socket.prototype, key: NODE_FIELDS.lastRequest }
    case 'tlsParent':
      return { owner: TLSSocket.prototype, key: NODE_FIELDS.tlsParent }
    case 'connectionCount':
      return { owner: NetServer.prototype, key: NODE_FIELDS.connectionCount }
    case 'sessionState': {
      const session = h2Session()
      return {
        owner: Object.getPrototypeOf(session),
        key: symbolOf(session, NODE_FIELDS.sessionState),
      }
    }
    // Node defines them on the handle's base class, not to be redefined: shadowed on its own.
    case 'handleFd':
    case 'writeQueueSize':
      return { owner: tcpHandlePrototype(), key: NODE_FIELDS[field] }
  }
}

function tcpHandlePrototype(): object {
  const socket = new Socket()
  socket.on('error', () => {})
  socket.connect(9, '127.0.0.1')
  const handle = (socket as Socket & { _handle: object })._handle
  socket.destroy()
  return Object.getPrototypeOf(handle) as object
}

/**
 * From now on, objects Node makes lose the field (writes to it are dropped) or carry it under
 * another name: an accessor on the prototype catches Node's own assignment to the instance.
 */
function simulate(field: Field, change: Change): void {
  const { owner, key } = whereNodeKeeps(field)
  const renamed = typeof key === 'symbol' ? Symbol(`${key.description}.renamed`) : `${key}Renamed`
  Object.defineProperty(owner, key, {
    configurable: true,
    get: () => undefined,
    set(this: Record<string | symbol, unknown>, value: unknown) {
      if (change === 'renamed') this[renamed] = value
    },
  })
  restores.push(() => {
    delete (owner as Record<string | symbol, unknown>)[key]
  })
}

const certificate = await testCertificate()

function serverNeeding(field: Field) {
  const probe = PROBES.find((p) => p.field === field)!
  if (probe.feature === 'tls') return createHttpsServer(certificate)
  if (probe.feature === 'http2') return createH2Server()
  return new HttpServer()
}

/**
 * A fresh copy of lameduck, with `LAMEDUCK_PROBE_RUNTIME` set to `probes` (unset for null):
 * `'always'` makes it probe although CI tests this Node.
 */
async function freshLameduck(probes: string | null = 'always') {
  vi.resetModules()
  vi.stubEnv(PROBE_ENV, probes ?? undefined)
  restores.push(() => vi.unstubAllEnvs())
  const core = await import('../src/index.js')
  return core.lameduck({ signals: false })
}

/** How many requests Node parses while `body` runs (its own diagnostics channel counts them). */
function requestsParsedDuring(body: () => void): number {
  let parsed = 0
  const count = () => {
    parsed++
  }
  subscribe('http.server.request.start', count)
  try {
    body()
  } finally {
    unsubscribe('http.server.request.start', count)
  }
  return parsed
}

describe(`support check on ${process.version}`, () => {
  it('attaches every kind of server on this Node', async () => {
    const ld = await freshLameduck()
    expect(() =>
      ld
        .attach(new HttpServer())
        .attach(createHttpsServer(certificate))
        .attach(createH2Server())
        .attach(createSecureServer(certificate)),
    ).not.toThrow()
  })

  it('refuses to attach when http.Server no longer extends net.Server', async () => {
    const ld = await freshLameduck()
    const parent = Object.getPrototypeOf(HttpServer.prototype) as object
    Object.setPrototypeOf(HttpServer.prototype, EventEmitter.prototype)
    restores.push(() => Object.setPrototypeOf(HttpServer.prototype, parent))
    expect(() => ld.attach(new HttpServer())).toThrow(
      expect.objectContaining({
        code: 'LAMEDUCK_ERR_UNSUPPORTED',
        missing: 'http.Server extending net.Server',
      }),
    )
  })

  const changes = (fields: Field[]) =>
    fields.flatMap((field) =>
      (['deleted', 'renamed'] as const).map((change) => ({ field, change })),
    )
  const optional = (field: Field) =>
    PROBES.find((p) => p.field === field)!.feature === 'shutdownNotice'
  const fields = Object.keys(NODE_FIELDS) as Field[]

  it.each(changes(fields.filter((f) => !optional(f))))(
    'refuses to attach when $field is $change',
    async ({ field, change }) => {
      const ld = await freshLameduck()
      simulate(field, change)
      const name = PROBES.find((p) => p.field === field)!.name
      let thrown: unknown
      try {
        ld.attach(serverNeeding(field))
      } catch (error) {
        thrown = error
      }
      expect(thrown).toMatchObject({
        code: 'LAMEDUCK_ERR_UNSUPPORTED',
        name: 'UnsupportedError',
        missing: name,
        runtime: `Node.js ${process.versions.node}`,
      })
      expect((thrown as Error).message).toContain(`Node.js ${process.versions.node}`)
      expect((thrown as Error).message).toContain(name)
    },
  )

  it.each(changes(fields.filter(optional)))(
    'drains h2c sessions with one GOAWAY, naming what is missing, when $field is $change',
    async ({ field, change }) => {
      const ld = await freshLameduck()
      simulate(field, change)
      const server = createH2Server()
      server.on('stream', (stream) => {
        stream.respond({ ':status': 200 })
        stream.end()
      })
      ld.attach(server)
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      onTestFinished(() => {
        if (server.listening) server.close()
      })
      const messages: unknown[] = []
      const onGoaway = (message: unknown) => {
        messages.push(message)
      }
      subscribe('lameduck:goaway', onGoaway)
      onTestFinished(() => {
        unsubscribe('lameduck:goaway', onGoaway)
      })
      const session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
      session.on('error', () => {})
      onTestFinished(() => session.destroy())
      const stream = session.request({ ':path': '/' })
      stream.resume()
      await once(stream, 'end')
      const goaways: number[] = []
      session.on('goaway', (_code, last) => goaways.push(last))
      const report = await ld.shutdown()
      expect(new Set(goaways)).toEqual(new Set([1]))
      expect(report.http2).toMatchObject({ twoStep: 0, oneStep: { unsupported: 1 } })
      const name = PROBES.find((p) => p.field === field)!.name
      expect(messages).toEqual([{ steps: 1, reason: 'unsupported', missing: [name] }])
    },
  )

  it('probes nothing on a Node line CI tests, unless told to', async () => {
    const major = Number(process.versions.node.split('.')[0])
    expect(TESTED_NODE_MAJORS).toContain(major)
    const trusting = await freshLameduck(null)
    simulate('activeResponse', 'deleted')
    expect(requestsParsedDuring(() => trusting.attach(new HttpServer()))).toBe(0)

    const probing = await freshLameduck('always')
    let thrown: unknown
    expect(
      requestsParsedDuring(() => {
        try {
          probing.attach(new HttpServer())
        } catch (error) {
          thrown = error
        }
      }),
    ).toBe(1)
    expect(thrown).toMatchObject({
      code: 'LAMEDUCK_ERR_UNSUPPORTED',
      missing: 'net.Socket._httpMessage',
    })
  })

  it(`refuses to attach when ${PROBE_ENV} is neither 'always' nor unset`, async () => {
    const ld = await freshLameduck('yes')
    expect(() => ld.attach(new HttpServer())).toThrow(
      expect.objectContaining({
        code: 'LAMEDUCK_ERR_INVALID_OPTION',
        option: PROBE_ENV,
        expected: "'always', or unset",
        received: 'yes',
      }),
    )
  })

  it('probes once per process, and answers the same afterwards', async () => {
    const ld = await freshLameduck()
    ld.attach(new HttpServer())
    simulate('activeResponse', 'deleted')
    // Already probed: a field that disappears after the first attach is not looked for again.
    expect(() => ld.attach(new HttpServer())).not.toThrow()
  })
})
