// A small SVG writer: stacked time-series panels sharing one time axis (requests answered per
// second as a line on the left axis, failed requests per second as red bars on the right one,
// marked moments as dashed lines), and grouped horizontal bars. Plain SVG 1.1 so that GitHub
// renders it as an image.
import type { Timeline } from './timeline.js'

export interface Panel {
  label: string
  timeline: Timeline
}

const WIDTH = 880
const PANEL = 130
const GAP = 34
const LEFT = 64
const RIGHT = 60
const TOP = 68
const BOTTOM = 40
const OK = '#2563eb'
const FAILED = '#dc2626'
const MUTED = '#6b7280'

const escapeXml = (content: string) =>
  content.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
const text = (x: number, y: number, content: string, attrs = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`

/** 1, 2 or 5 times a power of ten, at least `value`. */
function niceCeil(value: number): number {
  if (value <= 0) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power
}

/** The SVG element, its title for screen readers, a white ground, the title and the subtitle. */
function opening(height: number, title: string, subtitle: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="11">`,
    `<title>${escapeXml(`${title}. ${subtitle}`)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    text(LEFT, 22, title, 'font-size="15" font-weight="600" fill="#111827"'),
    text(LEFT, 40, subtitle, `fill="${MUTED}"`),
  ]
}

const rate = (count: number, bucketMs: number) => (count * 1_000) / bucketMs

/** What the line and the bars count, in the legend and each panel's summary. */
export interface Words {
  ok: string
  failed: string
}

const REQUESTS: Words = { ok: 'answered 2xx', failed: 'failed' }

export function panelsChart(
  title: string,
  subtitle: string,
  panels: Panel[],
  words: Words = REQUESTS,
): string {
  const plotWidth = WIDTH - LEFT - RIGHT
  const height = TOP + panels.length * (PANEL + GAP) - GAP + BOTTOM
  const seconds = Math.max(
    ...panels.map((p) => (p.timeline.ok.length * p.timeline.bucketMs) / 1_000),
  )
  // About ten ticks of 1, 2 or 5 times a power of ten seconds.
  const unit = niceCeil(seconds / 10)
  const ticks = Math.ceil(seconds / unit - 1e-9)
  const xMax = ticks * unit
  const okMax = niceCeil(
    Math.max(...panels.flatMap((p) => p.timeline.ok.map((c) => rate(c, p.timeline.bucketMs)))),
  )
  const failedMax = niceCeil(
    Math.max(
      10,
      ...panels.flatMap((p) => p.timeline.failed.map((c) => rate(c, p.timeline.bucketMs))),
    ),
  )
  const x = (s: number) => LEFT + (s / xMax) * plotWidth
  const out = [
    ...opening(height, title, subtitle),
    `<line x1="${WIDTH - RIGHT - 250}" y1="18" x2="${WIDTH - RIGHT - 232}" y2="18" stroke="${OK}" stroke-width="2"/>`,
    text(WIDTH - RIGHT - 227, 22, `${words.ok} /s (left)`, `fill="${MUTED}"`),
    `<rect x="${WIDTH - RIGHT - 100}" y="13" width="10" height="10" fill="${FAILED}"/>`,
    text(WIDTH - RIGHT - 86, 22, `${words.failed} /s (right)`, `fill="${MUTED}"`),
  ]
  panels.forEach((panel, index) => {
    const top = TOP + index * (PANEL + GAP)
    const bottom = top + PANEL
    const { bucketMs, ok, failed, marks } = panel.timeline
    const yOk = (v: number) => bottom - (v / okMax) * PANEL
    const yFailed = (v: number) => bottom - (v / failedMax) * PANEL
    out.push(
      `<rect x="${LEFT}" y="${top}" width="${plotWidth}" height="${PANEL}" fill="#f9fafb" stroke="#e5e7eb"/>`,
    )
    for (const fraction of [0.5, 1]) {
      const y = bottom - fraction * PANEL
      out.push(`<line x1="${LEFT}" y1="${y}" x2="${LEFT + plotWidth}" y2="${y}" stroke="#e5e7eb"/>`)
      out.push(
        text(
          LEFT - 6,
          y + 4,
          (okMax * fraction).toLocaleString('en'),
          `text-anchor="end" fill="${OK}"`,
        ),
      )
      out.push(
        text(
          LEFT + plotWidth + 6,
          y + 4,
          (failedMax * fraction).toLocaleString('en'),
          `fill="${FAILED}"`,
        ),
      )
    }
    out.push(text(LEFT - 6, bottom + 4, '0', `text-anchor="end" fill="${MUTED}"`))
    const barWidth = Math.max(1, (bucketMs / 1_000 / xMax) * plotWidth - 1)
    failed.forEach((count, i) => {
      if (count === 0) return
      const y = yFailed(rate(count, bucketMs))
      out.push(
        `<rect x="${x((i * bucketMs) / 1_000).toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(bottom - y).toFixed(1)}" fill="${FAILED}"/>`,
      )
    })
    const points = ok.map(
      (count, i) =>
        `${x(((i + 0.5) * bucketMs) / 1_000).toFixed(1)},${yOk(rate(count, bucketMs)).toFixed(1)}`,
    )
    out.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${OK}" stroke-width="1.6" stroke-linejoin="round"/>`,
    )
    marks.forEach((mark, i) => {
      const mx = x(mark.at / 1_000)
      out.push(
        `<line x1="${mx.toFixed(1)}" y1="${top}" x2="${mx.toFixed(1)}" y2="${bottom}" stroke="#374151" stroke-dasharray="4 3"/>`,
      )
      // Alternate heights, so that the labels of close marks do not overlap.
      out.push(text(mx + 3, top + 12 + (i % 2) * 13, mark.label, 'fill="#374151"'))
    })
    const total = ok.reduce((a, b) => a + b, 0)
    const lost = failed.reduce((a, b) => a + b, 0)
    out.push(
      text(
        LEFT,
        top - 6,
        `${panel.label}: ${lost.toLocaleString('en')} ${words.failed}, ${total.toLocaleString('en')} ${words.ok}`,
        `font-size="12" font-weight="600" fill="${lost > 0 ? FAILED : '#111827'}"`,
      ),
    )
  })
  const axis = TOP + panels.length * (PANEL + GAP) - GAP
  for (let i = 0; i <= ticks; i++) {
    const tick = x(i * unit).toFixed(1)
    out.push(`<line x1="${tick}" y1="${axis}" x2="${tick}" y2="${axis + 4}" stroke="${MUTED}"/>`)
    const label = `${Number((i * unit).toFixed(3))}`
    out.push(text(x(i * unit), axis + 16, label, `text-anchor="middle" fill="${MUTED}"`))
  }
  out.push(
    text(
      LEFT + plotWidth / 2,
      axis + 32,
      'seconds from the start of the load',
      `text-anchor="middle" fill="${MUTED}"`,
    ),
  )
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

export interface BarGroup {
  label: string
  /** One value per series, in the order of `series`. */
  values: number[]
}

const SERIES_COLOURS = ['#dc2626', '#9ca3af', '#111827']
const BAR = 14
const ROW = 24
const LABELS = 330

/**
 * Horizontal bars, one row per group (a peer) and one column per series, each column on its own
 * scale (one peer's thousands would otherwise flatten every other bar); each bar carries its
 * value, so a zero is written, not just left out.
 */
export function barsChart(
  title: string,
  subtitle: string,
  series: string[],
  groups: BarGroup[],
): string {
  const height = TOP + 20 + groups.length * ROW + BOTTOM / 2
  const column = (WIDTH - LABELS - 20) / series.length
  const out = opening(height, title, subtitle)
  series.forEach((name, s) => {
    const left = LABELS + s * column
    // Room on the right of each bar for its value.
    const scale = (column - 56) / Math.max(1, ...groups.map((g) => g.values[s] ?? 0))
    out.push(text(left, TOP + 8, name, `font-weight="600" fill="${SERIES_COLOURS[s]}"`))
    groups.forEach((group, g) => {
      const value = group.values[s] ?? 0
      const y = TOP + 20 + g * ROW
      const width = value * scale
      out.push(
        `<rect x="${left}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" fill="${SERIES_COLOURS[s]}"/>`,
        text(left + width + 4, y + BAR - 3, value.toLocaleString('en'), `fill="${MUTED}"`),
      )
    })
  })
  groups.forEach((group, g) => {
    const y = TOP + 20 + g * ROW
    out.push(text(LABELS - 10, y + BAR - 3, group.label, 'text-anchor="end" fill="#111827"'))
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
