// Per-interval time series of a load run, for the charts: requests answered 2xx and requests
// failed (an error, or another status) in each bucket, plus marked moments (a reload, SIGTERM).
import type { LoadResult } from '@lameduck/test-utils'
import type { Instance } from 'autocannon'

export interface Timeline {
  bucketMs: number
  ok: number[]
  failed: number[]
  /** Moments to mark, in ms from the start of the load. */
  marks: { at: number; label: string }[]
}

function add(series: number[], at: number, bucketMs: number): void {
  const i = Math.max(0, Math.floor(at / bucketMs))
  while (series.length <= i) series.push(0)
  series[i]! += 1
}

function padded(timeline: Timeline): Timeline {
  const length = Math.max(timeline.ok.length, timeline.failed.length)
  for (const series of [timeline.ok, timeline.failed]) while (series.length < length) series.push(0)
  return timeline
}

/** Records an autocannon run as it goes; `mark` notes a moment, `done` returns the series. */
export function recordAutocannon(run: Promise<unknown>, bucketMs = 250) {
  // Without a callback autocannon returns its instance made thenable, though its types only say
  // Promise: the instance's events are there.
  const instance = run as unknown as Instance
  const origin = performance.now()
  const timeline: Timeline = { bucketMs, ok: [], failed: [], marks: [] }
  const now = () => performance.now() - origin
  instance.on('response', (_client, statusCode) => {
    add(statusCode >= 200 && statusCode < 300 ? timeline.ok : timeline.failed, now(), bucketMs)
  })
  instance.on('reqError', () => add(timeline.failed, now(), bucketMs))
  return {
    mark(label: string, at = performance.now()) {
      timeline.marks.push({ at: at - origin, label })
    },
    done: () => padded(timeline),
  }
}

/**
 * The series of a `keepAliveLoad` run (test-utils), counted from `origin` (`performance.now()`):
 * answers (2xx or not) at the time they arrived, lost requests at the time their connection failed.
 */
export function timelineOfLoad(
  result: LoadResult,
  origin: number,
  marks: { at: number; label: string }[],
  bucketMs = 50,
): Timeline {
  const timeline: Timeline = { bucketMs, ok: [], failed: [], marks: [] }
  for (const { at, ms, status } of result.latencies) {
    add(status >= 200 && status < 300 ? timeline.ok : timeline.failed, at + ms - origin, bucketMs)
  }
  for (const at of result.lostAt) add(timeline.failed, at - origin, bucketMs)
  timeline.marks = marks.map((mark) => ({ at: mark.at - origin, label: mark.label }))
  return padded(timeline)
}
