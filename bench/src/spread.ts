// The reconnection wave when an instance holding many long-lived connections is stopped: A holds
// `count` WebSocket clients and `count` idle keep-alive clients, each of which reconnects to B
// the moment A closes it, with no jitter of its own. A is sent SIGTERM with and without
// `closeSpread`, alternating, and B counts the new connections per 100 ms while ordinary
// requests measure its latency.
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { Agent, request } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { ShutdownReport } from '@lameduck/core'
import { WebSocket } from 'ws'
import type { Timeline } from './charts/timeline.js'
import { type Ask, idleSockets, ipcAsk, round } from './harness.js'

export const BUCKET_MS = 100

interface Instance {
  port: number
  ask: Ask
  child: ChildProcess
}

async function startInstance(role: 'a' | 'b', closeSpread: number): Promise<Instance> {
  const child = fork(new URL('./spread-server.mjs', import.meta.url), [role, `${closeSpread}`], {
    execArgv: ['--expose-gc'],
  })
  const [{ port }] = (await once(child, 'message')) as [{ port: number }]
  return { port, ask: ipcAsk(child), child }
}

async function stop(instance: Instance): Promise<void> {
  if (instance.child.exitCode !== null) return
  instance.child.kill('SIGKILL')
  await once(instance.child, 'exit')
}

export interface SpreadRun {
  count: number
  closeSpread: number
  /** Most new connections at B in one 100 ms bucket, and in any 1 s (ten buckets in a row). */
  peak: number
  peakPerSecond: number
  /** New connections at B per 100 ms from A's SIGTERM. */
  timeline: Timeline
  /** Clients' p99 and longest wait from their close to their reconnection, ms. */
  reconnectP99: number
  reconnectMax: number
  /** Ms from SIGTERM until every client was back, at B. */
  allBack: number
  /** B's p99 and request count for `GET /` sent during the wave, in ms. */
  p99: number
  requests: number
  /** Clients that could not reconnect to B, and WebSockets A closed with another code. */
  failed: number
  not1001: number
  /** A's event-loop delay during the drain, in ms. */
  loopDelay: { p99: number; max: number }
  /** A's heap and RSS per connection held, in bytes. */
  heapPerConnection: number
  rssPerConnection: number
  drainMs: number
  report: ShutdownReport
}

/** One SIGTERM of A with `count` WebSocket and `count` idle keep-alive clients. */
export async function spreadRun(count: number, closeSpread: number): Promise<SpreadRun> {
  const a = await startInstance('a', closeSpread)
  const b = await startInstance('b', 0)
  const before = await a.ask('memory')
  const sockets: WebSocket[] = []
  const reconnects: Promise<boolean>[] = []
  const clients: (WebSocket | Socket)[] = []
  let not1001 = 0
  const failedAt: number[] = []
  // Ms from a client's close by A to its reconnection at B (open, or first response).
  const waits: number[] = []
  const back = (closedAt: number, resolve: (ok: boolean) => void) => () => {
    waits.push(performance.now() - closedAt)
    resolve(true)
  }
  const fail = (resolve: (ok: boolean) => void) => () => {
    failedAt.push(Date.now())
    resolve(false)
  }
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from(
      { length: Math.min(200, count - i) },
      () => new WebSocket(`ws://127.0.0.1:${a.port}`),
    )
    await Promise.all(batch.map((socket) => once(socket, 'open')))
    sockets.push(...batch)
  }
  const idle = await idleSockets(a.port, count, 200)
  const after = await a.ask('memory')
  for (const socket of sockets) {
    socket.on('error', () => {})
    reconnects.push(
      new Promise((resolve) => {
        socket.once('close', (code) => {
          if (code !== 1001) not1001++
          const closedAt = performance.now()
          const next = new WebSocket(`ws://127.0.0.1:${b.port}`)
          clients.push(next)
          next.once('open', back(closedAt, resolve))
          next.once('error', fail(resolve))
        })
      }),
    )
  }
  for (const socket of idle) {
    reconnects.push(
      new Promise((resolve) => {
        socket.once('close', () => {
          const closedAt = performance.now()
          const next = connect({ port: b.port, host: '127.0.0.1' })
          clients.push(next)
          next.once('error', fail(resolve))
          next.once('connect', () => next.write('GET / HTTP/1.1\r\nhost: b\r\n\r\n'))
          next.once('data', back(closedAt, resolve))
        })
      }),
    )
  }
  await b.ask('arrivals')
  const load = ordinaryLoad(b.port)
  const drained = once(a.child, 'message') as Promise<
    [{ drained: { report: ShutdownReport; loopDelay: SpreadRun['loopDelay'] } }]
  >
  const sigterm = Date.now()
  a.child.kill('SIGTERM')
  await Promise.all(reconnects)
  const allBack = Date.now() - sigterm
  const [{ drained: result }] = await drained
  // The wave is over once every client is back; a little more load shows B after it.
  await new Promise((resolve) => setTimeout(resolve, 300))
  const latencies = await load.stop(sigterm)
  const { arrivals } = await b.ask('arrivals')
  const buckets = perBucket(arrivals, sigterm)
  const failures = perBucket(failedAt, sigterm)
  while (failures.length < buckets.length) failures.push(0)
  while (buckets.length < failures.length) buckets.push(0)
  for (const client of clients) client instanceof WebSocket ? client.terminate() : client.destroy()
  for (const socket of [...sockets, ...idle])
    socket instanceof WebSocket ? socket.terminate() : socket.destroy()
  await Promise.all([stop(a), stop(b)])
  const held = 2 * count
  return {
    count,
    closeSpread,
    peak: Math.max(...buckets),
    peakPerSecond: Math.max(
      ...buckets.map((_, i) => buckets.slice(i, i + 10).reduce((sum, n) => sum + n, 0)),
    ),
    timeline: { bucketMs: BUCKET_MS, ok: buckets, failed: failures, marks: [] },
    reconnectP99: percentile(waits, 0.99),
    reconnectMax: round(Math.max(...waits)),
    allBack,
    p99: percentile(latencies, 0.99),
    requests: latencies.length,
    failed: failedAt.length,
    not1001,
    loopDelay: { p99: round(result.loopDelay.p99), max: round(result.loopDelay.max) },
    heapPerConnection: Math.round((after.heap - before.heap) / held),
    rssPerConnection: Math.round((after.rss - before.rss) / held),
    drainMs: result.report.durations.drain,
    report: result.report,
  }
}

/** 10 keep-alive connections sending `GET /` one after another; `stop` returns the latencies of requests sent from `since` (Date.now()). */
function ordinaryLoad(port: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 10 })
  const latencies: { at: number; ms: number }[] = []
  let running = true
  const loop = async () => {
    while (running) {
      const at = Date.now()
      const started = performance.now()
      await new Promise<void>((resolve) => {
        const req = request({ port, host: '127.0.0.1', path: '/', agent }, (res) => {
          res.resume()
          res.on('end', resolve)
        })
        req.on('error', () => resolve())
        req.end()
      })
      latencies.push({ at, ms: performance.now() - started })
    }
  }
  const loops = Promise.all(Array.from({ length: 10 }, loop))
  return {
    async stop(since: number): Promise<number[]> {
      running = false
      await loops
      agent.destroy()
      return latencies.filter((l) => l.at >= since).map((l) => l.ms)
    },
  }
}

/** How many of `times` (Date.now()) fall in each 100 ms from `from`. */
function perBucket(times: number[], from: number): number[] {
  const buckets: number[] = []
  for (const at of times) {
    const i = Math.max(0, Math.floor((at - from) / BUCKET_MS))
    while (buckets.length <= i) buckets.push(0)
    buckets[i]! += 1
  }
  return buckets
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((x, y) => x - y)
  return round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!, 1)
}
