// The conformance cases of the comparison, each run against a fresh peer process over loopback.
// A case passes or fails on what a client observes; `detail` says what it saw.
import { once } from 'node:events'
import { connect as connectH2 } from 'node:http2'
import { inFlight, RawClient, type RawResponse, within } from '@lameduck/test-utils'
import { WebSocket } from 'ws'
import { endedAfterDeadline } from './figures.js'
import { type Peer, type PeerOptions, type PeerProcess, startPeer } from './peer-process.js'
import { postRollingRestart } from './rolling-restart.js'

export interface Outcome {
  pass: boolean
  detail: string
}

export interface Case {
  id: string
  title: string
  run(peer: Peer): Promise<Outcome>
}

/** The deadline every peer is given, except in the deadline case. */
const TIMEOUT = 3_000
/** How long after the signal a finished shutdown may take to end the process. */
const EXIT_BUDGET = 2_000

async function withPeer(
  peer: Peer,
  options: PeerOptions,
  body: (p: PeerProcess) => Promise<Outcome>,
): Promise<Outcome> {
  const p = await startPeer(peer, { timeout: TIMEOUT, ...options })
  try {
    // No case takes longer than this; one that does has hung, which is a failure.
    return await within(body(p), 10_000, { pass: false, detail: 'the case hung' })
  } catch (error) {
    return { pass: false, detail: (error as Error).message }
  } finally {
    await p.kill()
  }
}

const failure = (error: unknown) => (error as Error).message ?? String(error)
const read = (raw: RawClient) => raw.read().catch((error: unknown) => new Error(failure(error)))

async function exitWithin(p: PeerProcess, ms = EXIT_BUDGET): Promise<string | undefined> {
  const exited = await within(p.exited, ms, undefined)
  return exited === undefined ? `still running ${ms / 1000} s after the signal` : undefined
}

/** A new connection during the drain: `served`, `ECONNREFUSED`, or what went wrong. */
async function newConnection(port: number): Promise<string> {
  let raw: RawClient
  try {
    raw = await RawClient.connect(port)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? failure(error)
  }
  try {
    raw.send('GET', '/fast')
    const response = await within(read(raw), 1_000, new Error('no answer in 1 s'))
    if (response instanceof Error) {
      const { error } = await raw.closed
      return `accepted, then ${error === undefined ? 'closed' : error.code} before an answer`
    }
    return response.status === 200 ? 'served' : `accepted, answered ${response.status}`
  } finally {
    raw.close()
  }
}

export const CASES: Case[] = [
  {
    id: 'in-flight',
    title: 'in-flight request completes',
    run: (peer) =>
      withPeer(peer, {}, async (p) => {
        const raw = await inFlight(p, '/slow?ms=300')
        p.terminate()
        const response = await read(raw)
        raw.close()
        if (response instanceof Error) return { pass: false, detail: response.message }
        return { pass: response.status === 200, detail: `${response.status} ${response.body}` }
      }),
  },
  {
    id: 'busy-keep-alive',
    title: 'busy keep-alive connection: its response says Connection: close, then it is closed',
    run: (peer) =>
      withPeer(peer, {}, async (p) => {
        const raw = await inFlight(p, '/slow?ms=300')
        p.terminate()
        const response = await read(raw)
        if (response instanceof Error) return { pass: false, detail: response.message }
        const header = response.headers.connection ?? '(none)'
        const closed = await within(raw.closed, 500, 'open' as const)
        raw.close()
        const socket = closed === 'open' ? 'left open' : 'closed'
        return {
          pass: header === 'close' && closed !== 'open',
          detail: `Connection: ${header}, socket ${socket}`,
        }
      }),
  },
  {
    id: 'arrives-during-drain',
    title: 'request arriving on a kept-alive connection during the drain is served',
    run: (peer) =>
      withPeer(peer, {}, async (p) => {
        const busy = await inFlight(p, '/slow?ms=1000')
        const idle = await RawClient.connect(p.port)
        await idle.request('GET', '/fast')
        const signalled = performance.now()
        p.terminate()
        // Once the shutdown has visibly begun (a new connection is no longer served), the client
        // uses its kept-alive connection: it has not seen it closed, or it would not. It must do
        // so within the idle grace (1 s). A listener that drops handshakes before it closes
        // (syn-guard) leaves a connect waiting a second for the SYN's retransmission, so a
        // connection not answered within 100 ms is taken as that sign too.
        const deadline = signalled + 500
        while (
          (await within(newConnection(p.port), 100, 'unanswered')) === 'served' &&
          performance.now() < deadline
        ) {
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        idle.send('GET', '/fast')
        const response = await within(read(idle), 2_000, new Error('no answer in 2 s'))
        busy.close()
        idle.close()
        if (response instanceof Error) return { pass: false, detail: response.message }
        return { pass: response.status === 200, detail: `answered ${response.status}` }
      }),
  },
  {
    id: 'refused',
    title: 'new connection refused (ECONNREFUSED) rather than accepted and reset',
    run: (peer) =>
      withPeer(peer, {}, async (p) => {
        const busy = await inFlight(p, '/slow?ms=1000')
        p.terminate()
        const seen: string[] = []
        const deadline = performance.now() + 900
        while (seen.at(-1) !== 'ECONNREFUSED' && performance.now() < deadline) {
          seen.push(await newConnection(p.port))
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        busy.close()
        // A connection still in the kernel's accept queue when the listener closes is reset by
        // the kernel, whatever the server does: one reset at that moment, just before the
        // refusals, is not held against the server. A close or a 503 is the server's own doing.
        const unserved = seen.filter((o) => o !== 'served' && o !== 'ECONNREFUSED')
        const refused = seen.at(-1) === 'ECONNREFUSED'
        const kernelRace =
          unserved.length === 1 &&
          seen.at(-2) === unserved[0] &&
          unserved[0]?.includes('ECONNRESET')
        if (refused && unserved.length === 0) return { pass: true, detail: 'ECONNREFUSED' }
        if (refused && kernelRace) {
          return { pass: true, detail: 'ECONNREFUSED (one reset by the kernel as it closed)' }
        }
        return { pass: false, detail: unserved[0] ?? seen.at(-1) ?? 'no probe' }
      }),
  },
  {
    id: 'idle-keep-alive',
    title: 'idle keep-alive connections closed long before keepAliveTimeout (60 s here)',
    run: (peer) =>
      withPeer(peer, {}, async (p) => {
        const clients = await Promise.all(
          Array.from({ length: 20 }, () => RawClient.connect(p.port)),
        )
        for (const raw of clients) await raw.request('GET', '/fast')
        p.terminate()
        const started = performance.now()
        const closed = await within(
          Promise.all(clients.map((raw) => raw.closed)),
          TIMEOUT + 500,
          undefined,
        )
        for (const raw of clients) raw.close()
        if (closed === undefined) return { pass: false, detail: 'left open past the deadline' }
        const ms = Math.round(performance.now() - started)
        const resets = closed.filter((c) => c.error !== undefined).length
        return {
          pass: resets === 0,
          detail: `closed after ${ms} ms${resets ? `, ${resets} by reset` : ''}`,
        }
      }),
  },
  {
    id: 'deadline',
    title: 'deadline honoured: a hung request is cut at 1 s and the process ends',
    async run(peer) {
      const ms = await endedAfterDeadline(peer)
      if (ms === undefined) return { pass: false, detail: 'still running after 5 s' }
      return { pass: ms >= 950 && ms <= 1_300, detail: `ended after ${Math.round(ms)} ms` }
    },
  },
  {
    id: 'http2',
    title: 'HTTP/2: in-flight stream completes, then the session is closed',
    run: (peer) =>
      withPeer(peer, { protocol: 'h2' }, async (p) => {
        const session = connectH2(`http://127.0.0.1:${p.port}`)
        session.on('error', () => {})
        let goaway = false
        session.on('goaway', () => {
          goaway = true
        })
        try {
          const stream = session.request({ ':path': '/slow?ms=300' })
          const inRequest = p.arrived('/slow')
          const response = new Promise<string>((resolve, reject) => {
            let status = 0
            let body = ''
            stream.on('response', (headers) => {
              status = Number(headers[':status'])
            })
            stream.setEncoding('utf8')
            stream.on('data', (chunk: string) => {
              body += chunk
            })
            stream.on('end', () =>
              resolve(status === 0 ? 'stream closed without an answer' : `${status} ${body}`),
            )
            stream.on('error', reject)
          })
          await inRequest
          p.terminate()
          const answer = await response.catch(
            (error: unknown) => `stream failed: ${failure(error)}`,
          )
          const stillRunning = await exitWithin(p)
          const detail = `${answer}${goaway ? ', GOAWAY' : ''}${stillRunning ? `; ${stillRunning}` : ''}`
          return { pass: answer === '200 slow' && stillRunning === undefined, detail }
        } finally {
          session.destroy()
        }
      }),
  },
  {
    id: 'websocket',
    title: 'WebSocket closed with 1001 Going Away, then the process ends',
    run: (peer) =>
      withPeer(peer, {}, async (p) => {
        const socket = new WebSocket(`ws://127.0.0.1:${p.port}/ws`)
        let error: string | undefined
        socket.on('error', (e: NodeJS.ErrnoException) => {
          error = e.code ?? e.message
        })
        try {
          await once(socket, 'open')
          const closed = once(socket, 'close')
          p.terminate()
          const result = await within(closed, 3_000, undefined)
          const code = result === undefined ? 'no close' : `close ${result[0]}`
          const stillRunning = await exitWithin(p)
          const problems = [error && `then ${error}`, stillRunning].filter(Boolean)
          return {
            pass: code === 'close 1001' && problems.length === 0,
            detail: [code, ...problems].join('; '),
          }
        } finally {
          socket.terminate()
        }
      }),
  },
  {
    id: 'sse',
    title: 'server-sent events: the stream gets its final event and a clean end',
    run: (peer) =>
      withPeer(peer, {}, async (p) => {
        const raw = await RawClient.connect(p.port)
        raw.send('GET', '/events')
        await raw.headers()
        p.terminate()
        const response: RawResponse | Error = await within(
          read(raw),
          TIMEOUT + 500,
          new Error('not ended'),
        )
        raw.close()
        if (response instanceof Error) return { pass: false, detail: response.message }
        const bye = response.body.includes('event: bye')
        const stillRunning = await exitWithin(p)
        return {
          pass: bye && stillRunning === undefined,
          detail: `${bye ? 'final event, clean end' : 'ended without the final event'}${stillRunning ? `; ${stillRunning}` : ''}`,
        }
      }),
  },
  {
    id: 'nginx-post-rolling-restart',
    title:
      'behind nginx (static upstream, keepalive 32), 50 connections of POSTs (wrk): two SIGTERM rolling restarts of two instances fail no POST',
    async run(peer) {
      const outcome = await within(postRollingRestart(peer), 90_000, 'hung' as const)
      if (outcome === 'hung') return { pass: false, detail: 'the case hung' }
      if (outcome === undefined) return { pass: false, detail: 'not run: nginx or wrk missing' }
      const killed = outcome.killed > 0 ? `, ${outcome.killed} of 4 killed at 5 s` : ''
      return {
        pass: outcome.failed === 0 && outcome.answered > 0,
        detail: `${outcome.failed} 502s in ${outcome.answered + outcome.failed}${killed}`,
      }
    },
  },
  {
    id: 'readiness',
    title: 'readiness answers 503 while the listener still accepts (delay 400 ms)',
    run: (peer) =>
      withPeer(peer, { delay: 400 }, async (p) => {
        const probe = await RawClient.connect(p.port)
        const before = await probe.request('GET', '/readyz')
        p.terminate()
        let status = before.status
        const deadline = performance.now() + 1_000
        while (status === 200 && performance.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20))
          const response = await within(askReadiness(probe), 500, undefined)
          status = response?.status ?? 0
        }
        probe.close()
        if (status !== 503) {
          return {
            pass: false,
            detail:
              status === 200
                ? 'readiness stayed 200'
                : 'no readiness: /readyz answered 200 until its connection was closed',
          }
        }
        const outcome = await newConnection(p.port)
        return {
          pass: outcome === 'served',
          detail: `503, then a new connection: ${outcome}`,
        }
      }),
  },
]

function askReadiness(raw: RawClient): Promise<RawResponse | undefined> {
  raw.send('GET', '/readyz')
  return raw.read().catch(() => undefined)
}
