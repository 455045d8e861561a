import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { lameduck } from '@lameduck/core'
import { type LoadClient, median, percentile, RawClient } from '@lameduck/test-utils'
import {
  idleSockets,
  type Mode,
  round,
  shutdownUnderLoad,
  startServer,
  type Variant,
} from './harness.js'

/** Heap bytes per idle keep-alive socket above bare Node's, alternating A B A B. */
export async function memory(rounds: number, sockets: number) {
  const perSocket: Record<Variant, number[]> = { bare: [], lameduck: [] }
  for (let i = 0; i < rounds; i++) {
    for (const mode of ['bare', 'lameduck'] as const) {
      const server = await startServer(mode)
      const before = await server.ask('heap')
      const open = await idleSockets(server.port, sockets)
      const after = await server.ask('heap')
      perSocket[mode].push((after.heap - before.heap) / sockets)
      for (const socket of open) socket.destroy()
      await server.stop()
    }
  }
  return {
    bare: median(perSocket.bare),
    lameduck: median(perSocket.lameduck),
    extra: median(perSocket.lameduck) - median(perSocket.bare),
  }
}

/**
 * Time for the drain to close `count` idle keep-alive sockets, beyond the idle grace. With the
 * 'bare' mode it is Node's own `server.close()`, which closes idle sockets at once: the floor.
 */
export async function idleClose(count: number, idleGrace: number, mode: Mode = 'lameduck') {
  const server = await startServer(mode, idleGrace)
  const sockets = await idleSockets(server.port, count)
  const closed = Promise.all(sockets.map((s) => new Promise((r) => s.once('close', r))))
  const { ms, report } = await server.ask('shutdown')
  await closed
  await server.stop()
  return { mode, count, idleGrace, ms: round(ms), beyondGrace: round(ms - idleGrace), report }
}

/** Ms from the end of the last in-flight response to shutdown() resolving, in process. */
export async function drainTail(runs: number) {
  const tails: number[] = []
  for (let run = 0; run < runs; run++) {
    let lastEnd = 0
    let arrived = 0
    let allArrived: () => void = () => {}
    const inFlight = new Promise<void>((resolve) => {
      allArrived = resolve
    })
    const ld = lameduck({ signals: false })
    const server = createServer((req, res) => {
      if (++arrived === 10) allArrived()
      res.on('finish', () => {
        lastEnd = performance.now()
      })
      setTimeout(() => res.end('ok'), Number(req.url?.slice(1)))
    })
    ld.attach(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const clients = await Promise.all(Array.from({ length: 10 }, () => RawClient.connect(port)))
    for (const [i, client] of clients.entries()) client.send('GET', `/${20 + i * 4}`)
    await inFlight
    await ld.shutdown()
    tails.push(performance.now() - lastEnd)
    for (const client of clients) client.close()
  }
  return { runs, median: round(median(tails), 2), p90: round(percentile(tails, 90), 2) }
}

/** Requests lost when shutdown starts under a 50-connection keep-alive load. */
export async function lostUnderLoad(mode: Mode, client: LoadClient, idleGrace: number) {
  const server = await startServer(mode, idleGrace)
  let shutdown: Promise<unknown> = Promise.resolve()
  const result = await shutdownUnderLoad(
    server.port,
    client,
    async () => (await server.ask('connections')).connections,
    () => {
      shutdown = server.ask('shutdown')
    },
  )
  await Promise.race([shutdown, new Promise((resolve) => setTimeout(resolve, 100))])
  await server.stop()
  return { ok: result.ok, lost: result.lost.length, non2xx: result.non2xx }
}

/**
 * `count` idle keep-alive sockets on a server: Node's own `server.close()` (which closes them
 * with `closeIdleConnections()`) against lameduck's drain with `idleGrace: 0`, alternating, in
 * fresh processes; time to close them all, and heap per socket while they are open.
 */
export async function idleAgainstNode(rounds: number, count: number) {
  const ms: Record<Variant, number[]> = { bare: [], lameduck: [] }
  const heap: Record<Variant, number[]> = { bare: [], lameduck: [] }
  for (let i = 0; i < rounds; i++) {
    const order: Variant[] = i % 2 === 0 ? ['bare', 'lameduck'] : ['lameduck', 'bare']
    for (const mode of order) {
      const server = await startServer(mode, 0)
      const before = await server.ask('heap')
      const sockets = await idleSockets(server.port, count)
      const after = await server.ask('heap')
      const closed = Promise.all(sockets.map((s) => new Promise((r) => s.once('close', r))))
      const shutdown = await server.ask('shutdown')
      await closed
      await server.stop()
      ms[mode].push(shutdown.ms)
      heap[mode].push((after.heap - before.heap) / count)
    }
  }
  return {
    count,
    rounds,
    ms: { bare: round(median(ms.bare)), lameduck: round(median(ms.lameduck)) },
    ratio: round(median(ms.lameduck.map((t, i) => t / ms.bare[i]!)), 3),
    heap: { bare: round(median(heap.bare)), lameduck: round(median(heap.lameduck)) },
    extra: round(median(heap.lameduck) - median(heap.bare)),
  }
}
