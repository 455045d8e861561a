// The chart pieces on known input: the per-interval counts of a load run, and the SVG drawn from
// them (one red bar per interval with failures, marks and labels escaped).
import type { LoadResult } from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'
import { panelsChart } from '../src/charts/svg.js'
import { timelineOfLoad } from '../src/charts/timeline.js'

const load: LoadResult = {
  ok: 3,
  non2xx: 1,
  refused: 0,
  lost: ['ECONNRESET'],
  lostAt: [1_130],
  latencies: [
    { at: 1_000, ms: 10, status: 200 },
    { at: 1_010, ms: 30, status: 200 },
    { at: 1_040, ms: 20, status: 200 },
    { at: 1_060, ms: 5, status: 503 },
  ],
}

describe('charts', () => {
  it('counts answers and failures per interval from the start of the load', () => {
    const timeline = timelineOfLoad(load, 1_000, [{ at: 1_050, label: 'SIGTERM' }], 50)
    expect(timeline).toEqual({
      bucketMs: 50,
      ok: [2, 1, 0],
      failed: [0, 1, 1],
      marks: [{ at: 50, label: 'SIGTERM' }],
    })
  })

  it('draws a panel per timeline with its totals, failure bars and marks', () => {
    const timeline = timelineOfLoad(load, 1_000, [{ at: 1_050, label: 'SIGTERM' }], 50)
    const svg = panelsChart('A <title>', 'sub & title', [
      { label: 'lameduck', timeline },
      { label: 'bare', timeline: { ...timeline, failed: [0, 0, 0] } },
    ])
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg).toContain('A &lt;title&gt;')
    expect(svg).toContain('sub &amp; title')
    expect(svg).toContain('lameduck: 2 failed, 3 answered 2xx')
    expect(svg).toContain('bare: 0 failed, 3 answered 2xx')
    expect(svg.match(/fill="#dc2626"\/>/g)).toHaveLength(2 + 1) // two bars, and the legend's
    expect(svg.match(/<polyline/g)).toHaveLength(2)
    expect(svg.match(/>SIGTERM</g)).toHaveLength(2)
  })
})
