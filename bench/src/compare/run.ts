// pnpm bench:compare: lameduck and its peers side by side, in one run: the conformance matrix, the
// measured figures and the reload rows, printed and written to docs/benchmarks.md.
// `pnpm bench:compare conformance figures h2load nginx-post reload shutdown-chart` runs only those
// sections (and writes none of the main tables; the reload and shutdown-chart sections always
// write their charts, h2load and nginx-post their own sections, h2load with its chart).
import { median } from '@lameduck/test-utils'
import { h2loadChart, reloadChart, shutdownChart } from '../charts/charts.js'
import type { Timeline } from '../charts/timeline.js'
import { round } from '../harness.js'
import { RELOAD_HEAD, type Reloader, reloadRows } from '../reload.js'
import { machine, markdownTable, packageVersion, writeSection } from '../report.js'
import { wrkVersion } from '../shared-cpu.js'
import { CASES, type Outcome } from './cases.js'
import {
  endedAfterDeadline,
  exitTail,
  h2loadErrored,
  idleCost,
  lostUnderLoad,
  throughputRatio,
} from './figures.js'
import { PEERS, type Peer } from './peer-process.js'
import { nginxVersion, postRollingRestart } from './rolling-restart.js'

const only = process.argv.slice(2)
const want = (name: string) => only.length === 0 || only.includes(name)
const tables: string[] = []
const table = (title: string, head: string[], rows: (string | number)[][]) => {
  const text = markdownTable(title, head, rows)
  console.log(text)
  tables.push(text)
}

const LABELS: Record<Peer, string> = {
  lameduck: `@lameduck/core ${packageVersion('@lameduck/core')} + @lameduck/syn-guard ${packageVersion('@lameduck/syn-guard')}`,
  bare: `bare server.close() (Node ${process.version})`,
  'http-terminator': `http-terminator ${packageVersion('http-terminator')}`,
  stoppable: `stoppable ${packageVersion('stoppable')}`,
  terminus: `@godaddy/terminus ${packageVersion('@godaddy/terminus')}`,
  'http-graceful-shutdown': `http-graceful-shutdown ${packageVersion('http-graceful-shutdown')}`,
  'close-with-grace': `close-with-grace ${packageVersion('close-with-grace')} + server.close()`,
  fastify: `fastify ${packageVersion('fastify')} app.close()`,
}
const header = ['', ...PEERS.map((peer) => LABELS[peer])]

console.log(`machine: ${machine}\n`)

if (want('conformance')) {
  const rows: string[][] = []
  const passed = Object.fromEntries(PEERS.map((peer) => [peer, 0])) as Record<Peer, number>
  for (const c of CASES) {
    const outcomes: Outcome[] = []
    for (const peer of PEERS) {
      const outcome = await c.run(peer)
      if (outcome.pass) passed[peer]++
      outcomes.push(outcome)
      process.stderr.write(
        `${c.id} ${peer}: ${outcome.pass ? 'pass' : 'FAIL'} (${outcome.detail})\n`,
      )
    }
    rows.push([c.title, ...outcomes.map((o) => `${o.pass ? '✅' : '❌'} ${o.detail}`)])
  }
  rows.push(['**passed**', ...PEERS.map((peer) => `**${passed[peer]} / ${CASES.length}**`)])
  table('Conformance: each case against a fresh process of each peer', header, rows)
}

if (want('figures')) {
  const perPeer = <T>() =>
    Object.fromEntries(PEERS.map((peer) => [peer, [] as T[]])) as Record<Peer, T[]>
  const lost = perPeer<number>()
  const tails = perPeer<number>()
  const deadlines = perPeer<number | undefined>()
  const idle = perPeer<{ bytes: number; ms: number | undefined }>()
  // Runs alternate between the peers, so that a slow moment of the machine hits them all.
  for (let run = 0; run < 5; run++) {
    for (const peer of PEERS) {
      lost[peer].push((await lostUnderLoad(peer)).lost)
      const tail = await exitTail(peer)
      if (tail !== undefined) tails[peer].push(tail)
      if (run < 3) {
        deadlines[peer].push(await endedAfterDeadline(peer))
        idle[peer].push(await idleCost(peer))
      }
    }
  }
  const bareBytes = median(idle.bare.map((r) => r.bytes))
  const rows: (string | number)[][] = []
  for (const peer of PEERS) {
    const closeTimes = idle[peer].map((r) => r.ms)
    const deadline = deadlines[peer]
    rows.push([
      LABELS[peer],
      lost[peer].join(' '),
      tails[peer].length < 5
        ? `never in ${5 - tails[peer].length} of 5 runs`
        : round(median(tails[peer]), 1),
      deadline.every((d) => d !== undefined)
        ? deadline.map((d) => `+${round(d - 1_000)}`).join(' ')
        : 'not honoured (still running after 5 s)',
      closeTimes.every((t) => t !== undefined) ? round(median(closeTimes)) : 'left open',
      round(median(idle[peer].map((r) => r.bytes)) - bareBytes),
      peer === 'bare' ? '1 (reference)' : round(await throughputRatio(peer, 4, 2), 3),
    ])
  }
  table(
    'Figures: loss under load, drain tail, deadline, idle sockets, throughput',
    [
      '',
      'requests lost per run (50 keep-alive connections, SIGTERM under load)',
      'drain tail ms (last response → exit, median of 5)',
      'deadline 1 s: exit ms past it (3 runs)',
      '2,000 idle sockets: ms until all closed (median of 3)',
      'heap B per idle socket above bare',
      'throughput vs bare (median of 4 alternating pairs of 2 s)',
    ],
    rows,
  )
}

// The HTTP/2 and nginx POST rows are written to sections of their own, also when run alone.
const versionsLine = () =>
  `Measured on ${machine}, Node ${process.version}, on ${new Date().toISOString().slice(0, 10)}.`

if (want('h2load')) {
  const RUNS = 5
  const runs = Object.fromEntries(PEERS.map((peer) => [peer, []])) as unknown as Record<
    Peer,
    { failed: number; neverSent: number; dropped: number }[]
  >
  for (let run = 0; run < RUNS; run++) {
    for (const peer of PEERS) runs[peer].push(await h2loadErrored(peer))
  }
  const sum = (peer: Peer, key: 'failed' | 'neverSent' | 'dropped') =>
    runs[peer].reduce((total, r) => total + r[key], 0)
  const text = markdownTable(
    'HTTP/2 streams during the drain: h2load -c 20 -m 10 for 8 s over h2c, SIGTERM 2 s in, 3 s deadline',
    [
      '',
      `streams h2load saw fail, per run (${RUNS} runs, alternating peers)`,
      'queued by h2load, never sent',
      'dropped by the server (sent above its final GOAWAY; from the frames)',
    ],
    PEERS.map((peer) => [
      LABELS[peer],
      runs[peer].map((r) => r.failed).join(' '),
      runs[peer].map((r) => r.neverSent).join(' '),
      runs[peer].map((r) => r.dropped).join(' '),
    ]),
  )
  console.log(text)
  const chart = h2loadChart(
    RUNS,
    PEERS.map((peer) => ({
      label: LABELS[peer],
      values: [sum(peer, 'failed'), sum(peer, 'neverSent'), sum(peer, 'dropped')],
    })),
  )
  console.log(`chart written to ${chart}`)
  writeSection(
    'compare-h2load',
    `${versionsLine()} Command: \`pnpm bench:compare h2load\`.\n\n${text}\n![h2load streams per peer](charts/h2load.svg)\n`,
  )
}

if (want('nginx-post')) {
  const rows: string[][] = []
  for (const peer of PEERS) {
    const outcome = await postRollingRestart(peer)
    rows.push([
      LABELS[peer],
      outcome === undefined
        ? 'not run: nginx or wrk missing'
        : `${outcome.failed === 0 ? '✅' : '❌'} ${outcome.failed}`,
      outcome === undefined ? '' : String(outcome.answered),
      outcome === undefined ? '' : `${outcome.killed} of 4`,
    ])
    process.stderr.write(`nginx-post ${peer}: ${rows.at(-1)!.slice(1).join(', ')}\n`)
  }
  const text = markdownTable(
    'nginx POST rolling restarts: nginx (static upstream of two instances, keepalive 32) in front, wrk -c 50 POSTs, two SIGTERM rolling restarts',
    ['', "502s (nginx's access log)", 'POSTs answered', 'instances killed 5 s after SIGTERM'],
    rows,
  )
  console.log(text)
  writeSection(
    'compare-nginx-post',
    `${versionsLine()} nginx ${nginxVersion()}, wrk ${wrkVersion ?? 'missing'}. Command: \`pnpm bench:compare nginx-post\`.\n\n${text}`,
  )
}

if (want('reload')) {
  const charted: { reloader: Reloader; timeline: Timeline }[] = []
  table(
    `Reloads during 10 s of autocannon -c 50 keep-alive (PM2 ${packageVersion('pm2')}, cluster mode, wait_ready)`,
    RELOAD_HEAD,
    await reloadRows(
      ['lameduck run', 'pm2 + server.close()', 'pm2 + lameduck', 'stop and start'],
      (scenario, run) => {
        if (scenario === '3 reloads' && run.reloader !== 'pm2 + lameduck') charted.push(run)
      },
    ),
  )
  console.log(`chart written to ${reloadChart(charted)}`)
}

if (want('shutdown-chart')) {
  const chart = await shutdownChart(3, LABELS)
  console.log(`requests lost per run: ${JSON.stringify(chart.lost)}; best peer: ${chart.best}`)
  console.log(`chart written to ${chart.path}`)
}

if (only.length === 0) {
  const path = writeSection(
    'compare',
    `Measured on ${machine}, Node ${process.version}, autocannon ${packageVersion('autocannon')}, undici ${packageVersion('undici')}, ws ${packageVersion('ws')}, on ${new Date().toISOString().slice(0, 10)}. Command: \`pnpm bench:compare\`.\n\n${tables.join('\n')}`,
  )
  console.log(`written to ${path}`)
}
