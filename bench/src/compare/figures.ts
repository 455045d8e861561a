// The measured figures of the comparison: loss under load, drain tail, idle-socket cost and
// throughput, each peer in its own process, alternating with bare node:http where it is a ratio.
import { once } from 'node:events'
import { H2FrameProxy, h2load, inFlight, median, RawClient, within } from '@lameduck/test-utils'
import autocannon from 'autocannon'
import { idleSockets, shutdownUnderLoad } from '../harness.js'
import { type Peer, startPeer } from './peer-process.js'

/** Requests lost (failed or non-2xx) when SIGTERM arrives under a 50-connection undici load. */
export async function lostUnderLoad(peer: Peer) {
  const p = await startPeer(peer, { timeout: 3_000 })
  try {
    const result = await shutdownUnderLoad(
      p.port,
      'undici',
      async () => (await p.ask('connections')).connections,
      () => p.terminate(),
    )
    return { ok: result.ok, lost: result.lost.length + result.non2xx }
  } finally {
    await p.kill()
  }
}

/**
 * HTTP/2 streams when SIGTERM arrives 2 s into 8 s of 20 connections × 10 concurrent streams over
 * h2c, with a 3 s deadline (a peer that leaves sessions open has to cut them before h2load is
 * done): those h2load saw fail (it never retries), those it had queued and never sent, and
 * those that reached the server and were dropped there unprocessed (sent above the last stream
 * id of the server's final GOAWAY), counted from the frames by a proxy between the two.
 */
export async function h2loadErrored(
  peer: Peer,
): Promise<{ failed: number; neverSent: number; dropped: number }> {
  const p = await startPeer(peer, { timeout: 3_000, protocol: 'h2' })
  const proxy = await H2FrameProxy.start(p.port)
  const run = h2load(proxy.port, { path: '/fast', seconds: 8 })
  try {
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    p.terminate()
    const { failed, started } = await run.done
    // Counted as each connection closes.
    await proxy.close()
    return { failed, neverSent: started - proxy.counts.streamsSent, dropped: proxy.counts.refused }
  } finally {
    run.kill()
    await p.kill()
  }
}

/**
 * Ms from the last of 10 in-flight responses arriving to the process's exit: how long a finished
 * drain lingers. Undefined when the process had not exited 2 s after.
 */
export async function exitTail(peer: Peer): Promise<number | undefined> {
  const p = await startPeer(peer, { timeout: 3_000 })
  try {
    const clients = await Promise.all(Array.from({ length: 10 }, () => RawClient.connect(p.port)))
    const allIn = Promise.all(clients.map(() => p.arrived('/slow')))
    for (const [i, raw] of clients.entries()) raw.send('GET', `/slow?ms=${100 + i * 10}`)
    await allIn
    p.terminate()
    let last = 0
    await Promise.all(
      clients.map((raw) =>
        raw.read().then(
          () => {
            last = performance.now()
          },
          () => {},
        ),
      ),
    )
    const exited = await within(
      p.exited.then(() => performance.now()),
      2_000,
      undefined,
    )
    for (const raw of clients) raw.close()
    return exited === undefined ? undefined : exited - last
  } finally {
    await p.kill()
  }
}

/** Ms from SIGTERM to the exit with a hung request in flight and a 1 s deadline, if within 5 s. */
export async function endedAfterDeadline(peer: Peer): Promise<number | undefined> {
  const p = await startPeer(peer, { timeout: 1_000 })
  try {
    const raw = await inFlight(p, '/hang')
    p.terminate()
    const ms = await within(p.exited, 5_000, undefined)
    raw.close()
    return ms
  } finally {
    await p.kill()
  }
}

/** 2,000 idle keep-alive sockets: heap bytes per socket, and ms until all are closed. */
export async function idleCost(peer: Peer, count = 2_000) {
  const p = await startPeer(peer, { timeout: 3_000 })
  try {
    const before = await p.ask('heap')
    const sockets = await idleSockets(p.port, count)
    const after = await p.ask('heap')
    const closed = Promise.all(sockets.map((s) => once(s, 'close')))
    const started = performance.now()
    p.terminate()
    const ms = await within(
      closed.then(() => performance.now() - started),
      5_000,
      undefined,
    )
    for (const socket of sockets) socket.destroy()
    return { bytes: (after.heap - before.heap) / count, ms }
  } finally {
    await p.kill()
  }
}

/** Keep-alive req/s with the peer attached, over bare node:http's, in alternating pairs. */
export async function throughputRatio(peer: Peer, pairs = 3, seconds = 2) {
  const rate = async (which: Peer) => {
    const p = await startPeer(which)
    try {
      const result = await autocannon({
        url: `http://127.0.0.1:${p.port}/fast`,
        connections: 50,
        duration: seconds,
      })
      return result.requests.average
    } finally {
      await p.kill()
    }
  }
  const ratios: number[] = []
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      const bare = await rate('bare')
      ratios.push((await rate(peer)) / bare)
    } else {
      const withPeer = await rate(peer)
      ratios.push(withPeer / (await rate('bare')))
    }
  }
  return median(ratios)
}
