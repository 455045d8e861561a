// pnpm bench: lameduck against bare node:http in one run, printed as tables and written to
// docs/benchmarks.md with the machine and versions.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { LoadClient } from '@lameduck/test-utils'
import { spreadChart } from './charts/charts.js'
import { buildNextExample, type Mode, type Paired, round, type Variant } from './harness.js'
import { h2loadVersion, instructionsPerRequest, valgrindVersion } from './instructions.js'
import { http2Shutdown, http2Throughput, websocketShutdown } from './long-lived.js'
import {
  RELOAD_HEAD,
  reloadBesideStart,
  reloadRows,
  steadyLoad,
  supervisorOverhead,
} from './reload.js'
import { machine, markdownTable, packageVersion, writeSection } from './report.js'
import { drainTail, idleAgainstNode, idleClose, lostUnderLoad, memory } from './scenarios.js'
import {
  otherProcessesCpu,
  pinned,
  type SharedCpuPairs,
  sharedCpuPairs,
  wrkVersion,
} from './shared-cpu.js'
import { type SpreadRun, spreadRun } from './spread.js'

const versions = {
  node: process.version,
  lameduck: packageVersion('@lameduck/core'),
  autocannon: packageVersion('autocannon'),
  undici: packageVersion('undici'),
}
const sections: string[] = []
const FRAMEWORKS = [
  ['fastify', 'fastify'],
  ['express', 'express, ld.routes(app)'],
  ['koa', 'koa'],
  ['hono', 'hono, ld.routes(app)'],
  ['hono+ldmw', 'hono, app.use(ld.middleware())'],
  ['hono+mw', 'hono+mw (a middleware of its own), ld.routes(app)'],
  ['nestjs', 'nestjs (platform-express)'],
  ['next', 'next'],
] as const
// `pnpm bench throughput memory` runs only those; docs/benchmarks.md is rewritten by full runs.
const only = process.argv.slice(2)
const want = (name: string) => only.length === 0 || only.includes(name)

function table(title: string, head: string[], rows: (string | number)[][]): void {
  const text = markdownTable(title, head, rows)
  console.log(text)
  sections.push(text)
}

function pairTable(title: string, tp: Paired, goal: string): void {
  table(
    title,
    ['pair', 'bare req/s', 'lameduck req/s', 'ratio', 'bare CPU µs/req', 'lameduck CPU µs/req'],
    [
      ...tp.runs.bare.map((bare, i) => {
        const ld = tp.runs.lameduck[i]!
        return [
          i + 1,
          Math.round(bare.rate),
          Math.round(ld.rate),
          round(ld.rate / bare.rate, 3),
          round(bare.cpu, 2),
          round(ld.cpu, 2),
        ]
      }),
      [
        'median',
        '',
        '',
        `**${round(tp.ratio, 3)}** (goal ${goal})`,
        'CPU ratio bare/lameduck:',
        `**${round(tp.cpuRatio, 3)}**`,
      ],
    ],
  )
}

const SHARED_CPU_HEAD = [
  'app',
  'without: req per CPU-second',
  'with: req per CPU-second',
  'ratio, lowest–highest round',
  'median ratio',
  'req ratio in the same seconds (median)',
  'goal',
]

function sharedCpuRow(
  label: string,
  pairs: SharedCpuPairs,
  modes: Record<Variant, Mode>,
): (string | number)[] {
  return [
    label,
    Math.round(pairs.perCpuSecond.bare),
    Math.round(pairs.perCpuSecond.lameduck),
    `${round(Math.min(...pairs.ratios), 3)}–${round(Math.max(...pairs.ratios), 3)}`,
    `**${round(pairs.ratio, 3)}**`,
    round(pairs.requestRatio, 3),
    modes.bare === modes.lameduck
      ? ''
      : modes.lameduck === 'hono+ldmw-lameduck'
        ? 'none: measured beside ld.routes(app)'
        : '≥ 0.99',
  ]
}

console.log(`machine: ${machine}\nversions: ${JSON.stringify(versions)}\n`)

if (want('throughput')) {
  if (wrkVersion === undefined) console.warn('throughput: not run, wrk is not on the PATH')
  else {
    const rows: (string | number)[][] = []
    for (const [label, modes] of [
      [
        "node:http without lameduck, twice (this method's noise)",
        { bare: 'bare', lameduck: 'bare' },
      ],
      ['node:http without and with lameduck', { bare: 'bare', lameduck: 'lameduck' }],
    ] satisfies [string, Record<Variant, Mode>][]) {
      rows.push(sharedCpuRow(label, await sharedCpuPairs(modes, 3, 4, 2), modes))
    }
    table(
      'Throughput, keep-alive: node:http without and with lameduck, both at once on one CPU (wrk, 50 keep-alive connections each; 3 fresh pairs of processes × 4 rounds of 2 s, each pair after 4 s of warm-up)',
      SHARED_CPU_HEAD,
      rows,
    )
  }
}

if (want('adapters')) {
  if (wrkVersion === undefined) console.warn('adapters: not run, wrk is not on the PATH')
  else {
    const text = await adapters()
    console.log(text)
    // A run of this section alone rewrites its part of docs/benchmarks.md; a full run, all of it.
    if (only.length === 0) sections.push(`<!-- adapters -->\n\n${text}\n<!-- /adapters -->\n`)
    else console.log(`written to ${writeSection('adapters', text)}`)
  }
}

async function adapters(): Promise<string> {
  // 24 rounds a row: with 12, a row's median moved by up to 3 % between runs (koa 0.976–1.019).
  const [processes, rounds, seconds] = [4, 6, 2]
  buildNextExample()
  const others = otherProcessesCpu()
  const apps: [string, Record<Variant, Mode>][] = [
    ["node:http without lameduck, twice (this method's noise)", { bare: 'bare', lameduck: 'bare' }],
    ...FRAMEWORKS.map(([framework, label]): [string, Record<Variant, Mode>] => [
      label,
      { bare: `${framework}-bare`, lameduck: `${framework}-lameduck` },
    ]),
  ]
  const rows: (string | number)[][] = []
  for (const [label, modes] of apps) {
    rows.push(sharedCpuRow(label, await sharedCpuPairs(modes, processes, rounds, seconds), modes))
  }
  const examples = createRequire(new URL('../../examples/nextjs/package.json', import.meta.url))
  const table = markdownTable(
    `Adapters: the same framework app without and with its lameduck adapter, both at once on one CPU (wrk, 50 keep-alive connections each; ${processes} fresh pairs of processes × ${rounds} rounds of ${seconds} s, each pair after ${2 * seconds} s of warm-up)`,
    SHARED_CPU_HEAD,
    rows,
  )
  const busy = others()
  const where = pinned
    ? 'pinned with `taskset` to CPU 1, each loaded by its own wrk pinned to CPU 0'
    : 'not pinned (taskset or a second CPU is missing here), each loaded by its own wrk'
  return `${table}
Both servers of a row run at once, ${where} (1 thread, 50 keep-alive connections, \`GET /\`); a round's ratio is lameduck's requests per CPU-second over the bare app's (method and why: What each table measures, at the top).

Machine: ${machine}; ${busy === undefined ? '' : `other processes used about ${Math.max(0, busy).toFixed(1)} of a CPU on average meanwhile (/proc/stat, ±0.2). `}Versions: Node ${process.version}, wrk ${wrkVersion}, fastify ${packageVersion('fastify')}, express ${packageVersion('express')}, koa ${packageVersion('koa')}, hono ${packageVersion('hono')} on @hono/node-server ${packageVersion('@hono/node-server')}, @nestjs/core ${packageVersion('@nestjs/core')} on @nestjs/platform-express ${packageVersion('@nestjs/platform-express')}, next ${packageVersion('next', [examples])} (examples/nextjs, a custom server). Command: \`pnpm bench adapters\`, ${new Date().toISOString().slice(0, 10)}.
`
}

if (want('instructions')) {
  if (valgrindVersion === undefined || h2loadVersion === undefined) {
    console.warn('instructions: not run, valgrind or h2load is not on the PATH')
  } else {
    const text = await instructions()
    console.log(text)
    if (only.length === 0)
      sections.push(`<!-- instructions -->\n\n${text}\n<!-- /instructions -->\n`)
    else console.log(`written to ${writeSection('instructions', text)}`)
  }
}

async function instructions(): Promise<string> {
  buildNextExample()
  // Next answers about 1/40 as many requests a second as node:http: fewer, or it takes an hour.
  // Still being compiled then, one Next process counts up to 0.3 % apart from the next outside
  // V8's compiler and collector: two a side, at once.
  const counting = (framework: string) =>
    framework === 'next'
      ? { warm: 2_000, rewarm: 500, counted: 1_000, processes: 2 }
      : { warm: 20_000, rewarm: 5_000, counted: 10_000, processes: 1 }
  // Changes that have nothing to do with lameduck: a package the app never uses, loaded first.
  const unrelated = ['--import', 'koa']
  const rows: [string, Mode, string[], Mode, string[]][] = [
    ["node:http without lameduck, twice (this method's noise)", 'bare', [], 'bare', []],
    ['node:http', 'bare', [], 'lameduck', []],
    ...FRAMEWORKS.map(([framework, label]): [string, Mode, string[], Mode, string[]] => [
      label,
      `${framework}-bare`,
      [],
      `${framework}-lameduck`,
      [],
    ]),
    [
      'control: node:http without lameduck, and with koa loaded instead',
      'bare',
      [],
      'bare',
      unrelated,
    ],
    [
      'control: fastify without lameduck, and with koa loaded instead',
      'fastify-bare',
      [],
      'fastify-bare',
      unrelated,
    ],
  ]
  const table: (string | number)[][] = []
  for (const [label, bareMode, bareArgs, otherMode, otherArgs] of rows) {
    const framework = bareMode.split('-')[0]!
    const [bare, other] = await Promise.all([
      instructionsPerRequest(bareMode, counting(framework), bareArgs),
      instructionsPerRequest(otherMode, counting(framework), otherArgs),
    ])
    console.log(label, bare, other)
    table.push([
      label,
      Math.round(bare.all),
      Math.round(other.all),
      `**${round(other.all / bare.all, 3)}**`,
      Math.round(bare.outsideCompileAndGc),
      Math.round(other.outsideCompileAndGc),
      `**${round(other.outsideCompileAndGc / bare.outsideCompileAndGc, 3)}**`,
    ])
  }
  const examples = createRequire(new URL('../../examples/nextjs/package.json', import.meta.url))
  return `${markdownTable(
    'Instructions per request: the same app without and with lameduck, counted by callgrind (node --predictable; h2load, one keep-alive connection, requests one at a time; after a full GC)',
    [
      'app',
      'without: instructions per request',
      'with',
      'with / without (above 1: more work)',
      "without, outside V8's compiler and collector",
      'with, outside them',
      'with / without, outside them',
    ],
    table,
  )}
Each cell is one process: ${counting('fastify').warm.toLocaleString('en')} requests of warm-up, a full GC, ${counting('fastify').rewarm.toLocaleString('en')} more, then ${counting('fastify').counted.toLocaleString('en')} counted (next: ${counting('next').warm.toLocaleString('en')}, ${counting('next').rewarm}, ${counting('next').counted.toLocaleString('en')}, and each cell the mean of ${counting('next').processes} processes); every thread's instructions over the counted requests, divided by them. The last three columns leave out the functions of V8's compiler, parser and garbage collector (by name, bench/src/callgrind-dump.ts): a large app such as Next is still being compiled when counting starts, by different amounts in different processes. The control rows change the app in a way that has nothing to do with lameduck.

Machine: ${machine}. Versions: Node ${process.version}, ${valgrindVersion}, h2load ${h2loadVersion}, fastify ${packageVersion('fastify')}, express ${packageVersion('express')}, koa ${packageVersion('koa')}, hono ${packageVersion('hono')} on @hono/node-server ${packageVersion('@hono/node-server')}, @nestjs/core ${packageVersion('@nestjs/core')}, next ${packageVersion('next', [examples])}. Command: \`pnpm bench instructions\`, ${new Date().toISOString().slice(0, 10)}.
`
}

if (want('long-lived')) {
  const ws = await websocketShutdown(1_000)
  const h2 = await http2Shutdown(1_000)
  table(
    'Shutdown with long-lived connections open (lameduck, in the server process, from shutdown() to the report)',
    ['connections', 'count', 'shutdown ms', 'clean (nothing forced)'],
    [
      [
        'WebSockets, closed with 1001 at drain start',
        ws.count,
        `**${ws.ms}**`,
        ws.ok && ws.forced === 0 ? 'yes' : `no (${ws.forced} forced)`,
      ],
      [
        'HTTP/2 sessions, each idle after one request',
        h2.count,
        `**${h2.ms}**`,
        h2.ok && h2.forced === 0 ? 'yes' : `no (${h2.forced} forced)`,
      ],
    ],
  )
  pairTable(
    'HTTP/2 throughput (h2c, 10 sessions × 10 concurrent streams, 2 s a run, after a warm-up pair; pairs alternate A B, B A)',
    await http2Throughput(6, 2),
    '≥ 0.97',
  )
}

if (want('spread')) {
  // closeSpread against none, alternating (A B B A) at each size; 7,000 of each kind of client
  // is 14,000 sockets on each side, within this machine's 20,000 descriptors per process.
  const window = 5_000
  const runs: SpreadRun[] = []
  for (const count of [1_000, 7_000]) {
    for (const closeSpread of [0, window, window, 0]) runs.push(await spreadRun(count, closeSpread))
  }
  const text = markdownTable(
    `Stopping an instance with long-lived connections: the reconnection wave at the next one (A holds N WebSocket and N idle keep-alive clients, each reconnecting to B at once when closed; SIGTERM to A; runs alternate A B B A)`,
    [
      'N',
      'closeSpread ms',
      'peak new conns / 100 ms at B',
      'peak / 1 s',
      'reconnect wait p99 / max ms',
      'all back at B, ms',
      "B's p99 ms (GET /, requests)",
      'failed reconnects',
      'closes not 1001',
      "A's loop delay p99 / max ms",
      "A's drain ms",
      "A's closes spread",
      "A's heap / RSS B per connection",
    ],
    runs.map((r) => [
      r.count,
      r.closeSpread,
      `**${r.peak}**`,
      r.peakPerSecond,
      `${r.reconnectP99} / ${r.reconnectMax}`,
      r.allBack,
      `${r.p99} (${r.requests})`,
      r.failed,
      r.not1001,
      `${r.loopDelay.p99} / ${r.loopDelay.max}`,
      r.drainMs,
      r.report.closeSpread.closes,
      `${r.heapPerConnection} / ${r.rssPerConnection}`,
    ]),
  )
  console.log(text)
  console.log(
    `written to ${writeSection('spread', `${text}\nMachine: ${machine}; Node ${process.version}, ws ${packageVersion('ws')}. Command: \`pnpm bench spread\`, ${new Date().toISOString().slice(0, 10)}.\n`)}`,
  )
  // The first run without and with the spread at each size.
  const charted = [1_000, 7_000].flatMap((count) =>
    [0, window].map((spread) => runs.find((r) => r.count === count && r.closeSpread === spread)!),
  )
  console.log(`chart: ${spreadChart(charted)}`)
}

if (want('reload')) {
  const overhead = await supervisorOverhead(4, 2)
  table(
    'lameduck run (1 worker) vs the same app bare (wrk in its own process, on CPU 0 when pinned, 50 connections, 4 alternating pairs of 2 s after a warm-up pair)',
    ['connections', 'compared', 'bare req/s', 'compared req/s', 'compared / bare', 'goal'],
    overhead.map((r) => [
      r.mode,
      r.compared === 'bare' ? "the bare app again (this method's noise)" : 'lameduck run',
      Math.round(r.bare),
      Math.round(r.other),
      `**${round(r.ratio, 3)}**`,
      r.compared === 'bare' ? '' : '≥ 0.95',
    ]),
  )
  const steady = await steadyLoad()
  const rows: (string | number)[][] = [
    [
      'lameduck run, no reload',
      'steady',
      steady.requests,
      0,
      Math.round(steady.rate),
      steady.p99,
      '',
      'v1',
    ],
  ]
  rows.push(...(await reloadRows(['lameduck run', 'pm2 + lameduck', 'pm2 + server.close()'])))
  table(
    'Reloads during 10 s of autocannon -c 50 keep-alive: lameduck run vs PM2 7 cluster mode (wait_ready), same app',
    RELOAD_HEAD,
    rows,
  )
}

if (want('reload-start')) {
  const start = await reloadBesideStart(10)
  table(
    `Reload beside the app's own start (${start.rounds} of each, alternating): SIGHUP to \`lameduck run\` until the new generation answers, and \`node app.mjs\` until its first answer (GET / on a new connection every ms)`,
    [
      'lameduck run reload ms (median)',
      'range',
      'node app.mjs start ms (median)',
      'range',
      'reload − start, same round (median)',
      'goal',
    ],
    [
      [
        `**${start.reload}**`,
        start.reloadRange.join('–'),
        `**${start.bare}**`,
        start.bareRange.join('–'),
        `**${start.gap}**`,
        '< 30 ms',
      ],
    ],
  )
}

if (want('tail')) {
  const tail = await drainTail(30)
  table(
    'Drain tail: last in-flight response finished → shutdown() resolved (10 requests in flight, in process)',
    ['runs', 'median ms', 'p90 ms', 'goal'],
    [[tail.runs, `**${tail.median}**`, tail.p90, 'median ≤ 2 ms']],
  )
}

if (want('idle')) {
  const idle = [
    await idleClose(10_000, 0, 'bare'),
    await idleClose(10_000, 1_000),
    await idleClose(10_000, 0),
    await idleClose(2_000, 0, 'bare'),
    await idleClose(2_000, 1_000),
  ]
  table(
    "Closing idle keep-alive sockets (each has served one request); bare = Node's own server.close(), the floor",
    ['server', 'sockets', 'idleGrace ms', 'drain ms', 'beyond the grace ms', 'goal'],
    idle.map((r) => [
      r.mode === 'bare' ? 'bare server.close()' : 'lameduck',
      r.count,
      r.idleGrace,
      r.ms,
      `**${r.beyondGrace}**`,
      r.mode === 'bare' ? '' : '≤ 150 ms beyond the grace',
    ]),
  )
}

if (want('idle')) {
  const idle = await idleAgainstNode(6, 10_000)
  table(
    `${idle.count.toLocaleString('en')} idle keep-alive sockets: lameduck's drain (idleGrace 0) against Node's own \`server.close()\`, which closes them with \`closeIdleConnections()\` (${idle.rounds} alternating rounds, fresh processes)`,
    [
      'Node close ms',
      'lameduck drain ms',
      'time ratio (median)',
      'Node heap B/socket',
      'lameduck heap B/socket',
      'lameduck extra B/socket',
      'goal',
    ],
    [
      [
        idle.ms.bare,
        idle.ms.lameduck,
        `**${idle.ratio}**`,
        idle.heap.bare,
        idle.heap.lameduck,
        `**${idle.extra}**`,
        'time ratio ≤ 1, extra ≤ 0',
      ],
    ],
  )
}

if (want('memory')) {
  const mem = await memory(3, 5_000)
  table(
    'Heap per idle keep-alive socket (5,000 sockets, --expose-gc, median of 3 alternating rounds)',
    ['bare node:http B', 'with lameduck B', 'lameduck extra B', 'goal'],
    [[round(mem.bare), round(mem.lameduck), `**${round(mem.extra)}**`, '≤ 100 B']],
  )
}

if (want('loss')) {
  const lossRows: (string | number)[][] = []
  for (const client of ['undici', 'node-agent'] satisfies LoadClient[]) {
    const runs = []
    for (let i = 0; i < 10; i++) runs.push(await lostUnderLoad('lameduck', client, 1_000))
    lossRows.push([
      `lameduck, idleGrace 1000 (default)`,
      client,
      runs.map((r) => r.lost).join(' '),
      runs.reduce((t, r) => t + r.non2xx, 0),
      Math.round(runs.reduce((t, r) => t + r.ok, 0) / runs.length),
    ])
    for (const grace of [0, 10, 100]) {
      const graceRuns = []
      for (let i = 0; i < 3; i++) graceRuns.push(await lostUnderLoad('lameduck', client, grace))
      lossRows.push([
        `lameduck, idleGrace ${grace}`,
        client,
        graceRuns.map((r) => r.lost).join(' '),
        graceRuns.reduce((t, r) => t + r.non2xx, 0),
        Math.round(graceRuns.reduce((t, r) => t + r.ok, 0) / graceRuns.length),
      ])
    }
    const bareRuns = []
    for (let i = 0; i < 3; i++) bareRuns.push(await lostUnderLoad('bare', client, 0))
    lossRows.push([
      'bare server.close()',
      client,
      bareRuns.map((r) => r.lost).join(' '),
      bareRuns.reduce((t, r) => t + r.non2xx, 0),
      Math.round(bareRuns.reduce((t, r) => t + r.ok, 0) / bareRuns.length),
    ])
  }
  table(
    'Requests lost when shutdown starts under a 50-connection keep-alive load (every run listed)',
    ['server', 'client', 'lost per run', 'non-2xx', 'answered per run'],
    lossRows,
  )
}

if (only.length === 0) {
  const docs = new URL('../../docs/benchmarks.md', import.meta.url)
  const previous = readFileSync(docs, 'utf8')
  const marker = '<!-- results -->'
  const head = previous.includes(marker) ? previous.slice(0, previous.indexOf(marker)) : previous
  writeFileSync(
    docs,
    `${head}${marker}\n\n## Latest results\n\nMachine: ${machine}. Versions: Node ${versions.node}, @lameduck/core ${versions.lameduck}, autocannon ${versions.autocannon}, undici ${versions.undici}. Command: \`pnpm bench\`.\n\n${sections.join('\n')}`,
  )
  console.log(`written to ${docs.pathname}`)
}
