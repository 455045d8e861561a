// The charts of docs/benchmarks.md, written as SVG files under docs/charts/ by the bench runs
// that measure them: reloads under load (from the reload rows' own runs), a shutdown under load
// (lameduck beside bare server.close() and the peer that lost fewest requests), and HTTP/2
// streams through a SIGTERM for every peer (from the h2load rows' own runs).
import { mkdirSync, writeFileSync } from 'node:fs'
import { within } from '@lameduck/test-utils'
import { PEERS, type Peer, startPeer } from '../compare/peer-process.js'
import { shutdownUnderLoad } from '../harness.js'
import type { Reloader } from '../reload.js'
import type { SpreadRun } from '../spread.js'
import { type BarGroup, barsChart, type Panel, panelsChart } from './svg.js'
import { type Timeline, timelineOfLoad } from './timeline.js'

const charts = new URL('../../../docs/charts/', import.meta.url)

export function writeChart(name: string, svg: string): string {
  mkdirSync(charts, { recursive: true })
  const file = new URL(`${name}.svg`, charts)
  writeFileSync(file, svg)
  return file.pathname
}

const RELOAD_LABELS: Partial<Record<Reloader, string>> = {
  'lameduck run': 'lameduck run (lameduck reload)',
  'pm2 + server.close()': 'PM2 reload, app with server.close()',
  'pm2 + lameduck': 'PM2 reload, app with lameduck',
  'stop and start': 'stop and start (SIGTERM, wait, start)',
}

/** One panel per reloader: 3 reloads during 10 s of autocannon -c 50, on one time axis. */
export function reloadChart(runs: { reloader: Reloader; timeline: Timeline }[]): string {
  return writeChart(
    'reloads',
    panelsChart(
      'Requests through three reloads under load',
      'autocannon -c 50 keep-alive for 10 s, the same app, a reload at each dashed line; 250 ms buckets',
      runs.map((run) => ({
        label: RELOAD_LABELS[run.reloader] ?? run.reloader,
        timeline: run.timeline,
      })),
    ),
  )
}

/** New connections at B per 100 ms after A's SIGTERM, one panel per run, without and with the spread. */
export function spreadChart(runs: SpreadRun[]): string {
  return writeChart(
    'close-spread',
    panelsChart(
      'The reconnection wave at B when A is stopped',
      'N WebSocket + N idle keep-alive clients on A reconnect to B when A closes them; from SIGTERM, 100 ms buckets',
      runs.map((run) => ({
        label: `N = ${run.count.toLocaleString('en')}, ${run.closeSpread === 0 ? 'without closeSpread' : `closeSpread: ${run.closeSpread}`}`,
        timeline: run.timeline,
      })),
      { ok: 'new connections at B', failed: 'failed reconnects' },
    ),
  )
}

/**
 * The shutdown under load of the figures table (SIGTERM 100 ms after the peer has accepted all 50
 * undici connections), recorded as a timeline with SIGTERM and the process's exit marked.
 */
async function shutdownTimeline(peer: Peer) {
  const p = await startPeer(peer, { timeout: 3_000 })
  try {
    const marks: { at: number; label: string }[] = []
    const origin = performance.now()
    const result = await shutdownUnderLoad(
      p.port,
      'undici',
      async () => (await p.ask('connections')).connections,
      () => {
        marks.push({ at: performance.now(), label: 'SIGTERM' })
        p.terminate()
      },
    )
    const exitedAfter = await within(p.exited, 2_000, undefined)
    if (exitedAfter !== undefined) marks.push({ at: marks[0]!.at + exitedAfter, label: 'exit' })
    return {
      lost: result.lost.length + result.non2xx,
      timeline: timelineOfLoad(result, origin, marks, 10),
    }
  } finally {
    await p.kill()
  }
}

const median = <T>(runs: T[], by: (run: T) => number) =>
  [...runs].sort((a, b) => by(a) - by(b))[runs.length >> 1]!

/**
 * Runs `runs` shutdowns per peer; charts the median run (by requests lost) of lameduck, of bare
 * server.close() and of the other peer with the lowest median loss.
 */
export async function shutdownChart(runs = 3, labels: Record<Peer, string>) {
  const byPeer = new Map<Peer, Awaited<ReturnType<typeof shutdownTimeline>>[]>()
  for (let run = 0; run < runs; run++) {
    for (const peer of PEERS) {
      const list = byPeer.get(peer) ?? []
      list.push(await shutdownTimeline(peer))
      byPeer.set(peer, list)
    }
  }
  const medians = new Map([...byPeer].map(([peer, list]) => [peer, median(list, (r) => r.lost)]))
  const best = PEERS.filter((peer) => peer !== 'lameduck' && peer !== 'bare').sort(
    (a, b) => medians.get(a)!.lost - medians.get(b)!.lost,
  )[0]!
  const panels: Panel[] = (['lameduck', 'bare', best] as const).map((peer) => ({
    label: `${labels[peer]}${peer === best ? ' (the peer losing fewest)' : ''}`,
    timeline: medians.get(peer)!.timeline,
  }))
  const path = writeChart(
    'shutdown',
    panelsChart(
      'A shutdown under load',
      `50 keep-alive connections (undici) looping requests; SIGTERM 100 ms after all are accepted; the median run of ${runs} each; 10 ms buckets`,
      panels,
    ),
  )
  return {
    path,
    best,
    lost: Object.fromEntries([...byPeer].map(([peer, list]) => [peer, list.map((r) => r.lost)])),
  }
}

/**
 * For each peer, h2load's streams through a SIGTERM summed over the runs: those it saw fail, those
 * it had queued and never sent, and those the server dropped unprocessed (from the frames).
 */
export function h2loadChart(runs: number, groups: BarGroup[]): string {
  return writeChart(
    'h2load',
    barsChart(
      'HTTP/2 streams through a SIGTERM (h2c)',
      `h2load -c 20 -m 10 for 8 s, SIGTERM 2 s in, 3 s deadline; the sum of ${runs} runs per peer`,
      ['h2load saw fail', 'queued by h2load, never sent', 'dropped by the server (frames)'],
      groups,
    ),
  )
}
