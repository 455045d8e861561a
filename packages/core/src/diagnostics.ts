import { channel } from 'node:diagnostics_channel'

/**
 * `node:diagnostics_channel` names lameduck publishes on. Subscribers get
 * `{ phase, reason, elapsed }` on `phase` (phase: 'draining' | 'delay' | 'drain' | 'hooks' |
 * 'closed') and the full report on `report`.
 */
export const CHANNELS = Object.freeze({
  phase: 'lameduck:phase',
  report: 'lameduck:report',
} as const)

export const phaseChannel = channel(CHANNELS.phase)
export const reportChannel = channel(CHANNELS.report)
