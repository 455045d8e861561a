// A one-line chart for a terminal: requests answered per interval as block characters, and
// under it a mark for each reload (↑) and each interval with failures (×).
const BLOCKS = '▁▂▃▄▅▆▇█'

/** `samples`: `{ served, failed, reload }` per interval; returns the two lines to print. */
export function sparkline(samples, intervalMs) {
  const max = Math.max(1, ...samples.map((s) => s.served))
  const bars = samples.map((s) => BLOCKS[Math.round((s.served / max) * (BLOCKS.length - 1))])
  const marks = samples.map((s) => (s.failed > 0 ? '×' : s.reload ? '↑' : ' '))
  const peak = Math.round((max * 1_000) / intervalMs).toLocaleString('en')
  return [
    `req/s ${bars.join('')}  (peak ${peak}, one column per ${intervalMs} ms)`,
    `      ${marks.join('').trimEnd()}  ↑ reload, × failures`,
  ]
}
