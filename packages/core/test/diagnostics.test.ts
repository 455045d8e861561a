import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { CHANNELS, lameduck, type ShutdownReport } from '@lameduck/core'
import { describe, expect, it, onTestFinished } from 'vitest'

describe('observability', () => {
  it('publishes each phase and the report on diagnostics channels', async () => {
    const phases: string[] = []
    const reports: ShutdownReport[] = []
    const onPhase = (message: unknown) => phases.push((message as { phase: string }).phase)
    const onReport = (message: unknown) => reports.push(message as ShutdownReport)
    subscribe(CHANNELS.phase, onPhase)
    subscribe(CHANNELS.report, onReport)
    onTestFinished(() => {
      unsubscribe(CHANNELS.phase, onPhase)
      unsubscribe(CHANNELS.report, onReport)
    })
    const report = await lameduck({ signals: false, delay: 10 }).shutdown('deploy')
    expect(phases).toEqual(['draining', 'delay', 'drain', 'hooks', 'closed'])
    expect(reports).toEqual([report])
  })

  it('logs the report as one structured line, object first', async () => {
    const lines: [Record<string, unknown>, string | undefined][] = []
    const log = (obj: Record<string, unknown>, msg?: string) => lines.push([obj, msg])
    const logger = { debug() {}, info: log, warn: log, error: log }
    const report = await lameduck({ signals: false, logger }).shutdown()
    expect(lines.at(-1)).toEqual([{ report }, 'lameduck: shutdown complete'])
  })
})
