// Node keeps a few facts lameduck needs in private fields. Every read of one lives here, each has
// a probe below that support.ts runs once per process before the first attach(), and each read is
// tested on every Node line CI runs (test/node-internals.test.ts).
import { Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import {
  type Http2Session,
  performServerHandshake,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2'
import { Server as NetServer, Socket } from 'node:net'
import { Duplex } from 'node:stream'
import { createSecureContext, TLSSocket } from 'node:tls'

/** The private fields lameduck reads, by the name Node gives them (a symbol's description). */
export const NODE_FIELDS = Object.freeze({
  connections: 'http.server.connections',
  connectionsChecker: 'http.server.connectionsCheckingInterval',
  activeResponse: '_httpMessage',
  lastRequest: 'parser',
  tlsParent: '_parent',
  sessionState: 'state',
  connectionCount: '_connections',
  handleFd: 'fd',
  writeQueueSize: 'writeQueueSize',
} as const)

type ConnectionsList = { all(): { socket?: Socket | null }[] }

function symbolField(target: object, description: string): unknown {
  const key = Object.getOwnPropertySymbols(target).find(
    (symbol) => symbol.description === description,
  )
  return key === undefined ? undefined : (target as Record<symbol, unknown>)[key]
}

function connectionsList(server: NetServer): ConnectionsList | undefined {
  const list = symbolField(server, NODE_FIELDS.connections)
  return typeof (list as Partial<ConnectionsList> | undefined)?.all === 'function'
    ? (list as ConnectionsList)
    : undefined
}

/**
 * Every open HTTP/1 connection of the server. Node already tracks them (it needs them for
 * `closeIdleConnections()`), so lameduck reads that list rather than paying for a second one.
 * Upgraded sockets leave the list when they upgrade (from Node 26, an upgrade whose request has a
 * body only once that body has ended); TLS sockets join it after the handshake. The list exists
 * once the server has listened.
 */
export function httpConnections(server: NetServer): Socket[] {
  const list = connectionsList(server)
  if (list === undefined) return []
  const sockets: Socket[] = []
  for (const parser of list.all()) if (parser.socket) sockets.push(parser.socket)
  return sockets
}

/**
 * The response Node is writing on this socket right now; responses to pipelined requests wait
 * in a queue of Node's until it is done.
 */
export function activeResponse(socket: Socket): ServerResponse | undefined {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined
}

/**
 * The last request Node's parser read on this socket, while its response has not finished:
 * when it is not the active response's, pipelined requests wait behind that response.
 */
export function lastRequest(socket: Socket): IncomingMessage | undefined {
  const parser = (socket as Socket & { parser?: { incoming?: IncomingMessage | null } | null })
    .parser
  return parser?.incoming ?? undefined
}

/** The TCP socket a TLS socket was wrapped around by `tls.Server`. */
export function rawSocketOf(socket: TLSSocket): Socket | undefined {
  const parent = (socket as TLSSocket & { _parent?: unknown })._parent
  return parent !== null && typeof parent === 'object' ? (parent as Socket) : undefined
}

function sessionStreams(session: Http2Session): Map<number, unknown> | undefined {
  const state = symbolField(session, NODE_FIELDS.sessionState) as { streams?: unknown } | undefined
  const streams = state?.streams as Partial<Map<number, unknown>> | undefined
  return typeof streams?.size === 'number' && typeof streams.values === 'function'
    ? (streams as Map<number, unknown>)
    : undefined
}

/** The streams an HTTP/2 session has open; Node keeps them in a map on the session. */
export function openStreams(session: ServerHttp2Session): ServerHttp2Stream[] {
  const streams = sessionStreams(session)
  return streams === undefined ? [] : ([...streams.values()] as ServerHttp2Stream[])
}

type StreamHandle = { fd?: unknown; writeQueueSize?: unknown }

function streamHandle(socket: Socket): StreamHandle | undefined {
  const handle = (socket as Socket & { _handle?: unknown })._handle
  return handle !== null && typeof handle === 'object' ? (handle as StreamHandle) : undefined
}

/**
 * The socket under a plaintext HTTP/2 session as libuv holds it: its file descriptor, and how
 * many bytes Node has handed libuv that are not in the kernel yet (nghttp2 writes whole frames,
 * so with none queued every frame it produced is whole in the kernel). Undefined when the
 * session does not run over a socket with a descriptor of its own (a JS stream), or it closed.
 */
export function sessionSocket(
  session: ServerHttp2Session,
): { fd: number; queued: number } | undefined {
  if (session.destroyed) return undefined
  // Node's proxy (`session.socket`) forwards reads of other fields to the socket itself.
  const handle = streamHandle(session.socket as Socket)
  const fd = handle?.fd
  const queued = handle?.writeQueueSize
  return typeof fd === 'number' && fd >= 0 && typeof queued === 'number'
    ? { fd, queued }
    : undefined
}

/** How many connections the server holds, whatever their kind (`net.Server` counts them). */
export function connectionCount(server: NetServer): number {
  return (server as NetServer & { _connections?: number })._connections ?? 0
}

function connectionsChecker(server: NetServer): NodeJS.Timeout | undefined {
  const interval = symbolField(server, NODE_FIELDS.connectionsChecker)
  return typeof (interval as Partial<NodeJS.Timeout> | undefined)?.hasRef === 'function'
    ? (interval as NodeJS.Timeout)
    : undefined
}

/**
 * `http.Server.close()` would stop Node's request/headers timeout checker, but it also closes
 * every idle keep-alive socket at once, which races clients. lameduck closes the listener with
 * `net.Server.prototype.close` instead and stops the checker here once the drain is over.
 */
export function stopConnectionsChecker(server: NetServer): void {
  const interval = connectionsChecker(server)
  if (interval !== undefined) clearInterval(interval)
}

/** What lameduck needs of the runtime for one kind of server. */
export type Feature = 'http' | 'tls' | 'http2' | 'shutdownNotice'

export interface Probe {
  feature: Feature
  /** The field, as NODE_FIELDS names it; none for what is a matter of Node's class tree. */
  field?: keyof typeof NODE_FIELDS
  /** Where the field lives and what lameduck expects of it, for the error message. */
  name: string
  /** Builds the runtime's own objects (no I/O) and reads the field the way lameduck does. */
  holds(run: ProbeRun): boolean
}

/** What the probes of one support check share: the request two of them read, parsed once. */
export interface ProbeRun {
  request(): { activeResponse: boolean; lastRequest: boolean }
}

export function newProbeRun(): ProbeRun {
  let facts: ReturnType<ProbeRun['request']> | undefined
  return {
    request() {
      facts ??= parseProbeRequest()
      return facts
    },
  }
}

/**
 * Each probe reads its field through the reader above, on objects the runtime itself made, so a
 * field that moved, was renamed or changed shape fails here instead of in a drain. The
 * connections list and the checker appear when a server starts listening: the probe server is
 * told it did, without binding anything.
 */
export const PROBES: readonly Probe[] = [
  {
    // lameduck closes the listener with `net.Server.prototype.close` (see connections.ts).
    feature: 'http',
    name: 'http.Server extending net.Server',
    holds: () => new HttpServer() instanceof NetServer,
  },
  {
    feature: 'http',
    field: 'connections',
    name: 'http.Server[Symbol(http.server.connections)].all()',
    holds: () =>
      withListeningProbe((server) => {
        const list = connectionsList(server)
        return list !== undefined && Array.isArray(list.all())
      }),
  },
  {
    feature: 'http',
    field: 'connectionsChecker',
    name: 'http.Server[Symbol(http.server.connectionsCheckingInterval)]',
    holds: () => withListeningProbe((server) => connectionsChecker(server) !== undefined),
  },
  {
    feature: 'http',
    field: 'activeResponse',
    name: 'net.Socket._httpMessage',
    holds: (run) => run.request().activeResponse,
  },
  {
    feature: 'http',
    field: 'lastRequest',
    name: 'net.Socket.parser.incoming',
    holds: (run) => run.request().lastRequest,
  },
  {
    feature: 'http',
    field: 'connectionCount',
    name: 'net.Server._connections',
    holds() {
      const server = new NetServer() as NetServer & { _connections?: unknown }
      return typeof server._connections === 'number' && connectionCount(server) === 0
    },
  },
  {
    feature: 'tls',
    field: 'tlsParent',
    name: 'tls.TLSSocket._parent',
    holds() {
      const raw = new Socket()
      const socket = new TLSSocket(raw, { isServer: true, secureContext: createSecureContext() })
      const held = rawSocketOf(socket) === raw
      socket.destroy()
      raw.destroy()
      return held
    },
  },
  {
    feature: 'http2',
    field: 'sessionState',
    name: 'Http2Session[Symbol(state)].streams',
    holds() {
      const transport = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() })
      const session = performServerHandshake(transport)
      session.on('error', () => {})
      const held = sessionStreams(session)?.size === 0
      session.destroy()
      transport.destroy()
      return held
    },
  },
  // The h2c shutdown notice (shutdown-notice.ts) reads the socket's libuv handle (`_handle`):
  // its fd and write queue. connect() makes the handle and leaves the connecting to a later
  // tick, which destroy() cancels, so no socket is opened: the descriptor reads -1.
  {
    feature: 'shutdownNotice',
    field: 'handleFd',
    name: 'net.Socket._handle.fd',
    holds: () => withUnconnectedHandle((handle) => handle?.fd === -1),
  },
  {
    feature: 'shutdownNotice',
    field: 'writeQueueSize',
    name: 'net.Socket._handle.writeQueueSize',
    holds: () => withUnconnectedHandle((handle) => handle?.writeQueueSize === 0),
  },
]

/**
 * One request, parsed by a server from a connection handed to it by hand (no handle: Node parses
 * what the socket emits as data, synchronously), on which both HTTP/1 socket fields are read, so
 * that the first attach() builds one socket, request and response for them rather than two of
 * each. No speed-up through attach() was measured for it; what the probes cost a Fastify app is in
 * docs/benchmarks.md ("Adapters over several runs").
 */
function parseProbeRequest(): ReturnType<ProbeRun['request']> {
  const server = new HttpServer()
  const requests: IncomingMessage[] = []
  const responses: ServerResponse[] = []
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    requests.push(req)
    responses.push(res)
  })
  const socket = new Socket()
  try {
    server.emit('connection', socket)
    socket.emit('data', Buffer.from('GET / HTTP/1.1\r\nHost: probe\r\n\r\n'))
    const [req, res] = [requests[0], responses[0]]
    if (requests.length !== 1 || req === undefined || res === undefined) {
      return { activeResponse: false, lastRequest: false }
    }
    // Node asserts that a response detaches only from the socket it was assigned.
    const assigned = activeResponse(socket) === res
    if (assigned) res.detachSocket(socket)
    return {
      activeResponse: assigned && activeResponse(socket) === undefined,
      lastRequest: lastRequest(socket) === req,
    }
  } finally {
    // Without the server's close listener, which would abort the probe's request: that one
    // aborted request changed what V8 had learnt of Node's stream objects, and eight of Node's
    // stream functions were deoptimized in the app's first seconds under load (--trace-deopt).
    // An app aborts nothing at startup; the probe should not either.
    socket.removeAllListeners('close')
    socket.destroy()
  }
}

function withUnconnectedHandle(read: (handle: StreamHandle | undefined) => boolean): boolean {
  const socket = new Socket()
  socket.on('error', () => {})
  socket.connect(9, '127.0.0.1')
  try {
    return read(streamHandle(socket))
  } finally {
    socket.destroy()
  }
}

function withListeningProbe(read: (server: HttpServer) => boolean): boolean {
  const server = new HttpServer()
  server.emit('listening')
  try {
    return read(server)
  } finally {
    stopConnectionsChecker(server)
  }
}

/**
 * The listening socket's fd when this process bound it itself (`listen(port)`), else undefined:
 * a socket listened on from an fd or a handle (`lameduck run`, systemd, cluster workers) may be
 * shared with another process, which must never inherit what lameduck does to it. Node records
 * the address family in `_connectionKey` only when it bound the address.
 */
export function ownListenerFd(server: NetServer): number | undefined {
  const { _connectionKey: key, _handle: handle } = server as NetServer & {
    _connectionKey?: unknown
    _handle?: { fd?: unknown } | null
  }
  if (typeof key !== 'string' || !/^[46]:/.test(key)) return undefined
  const fd = handle?.fd
  return typeof fd === 'number' && fd >= 0 ? fd : undefined
}
