import { channel } from 'node:diagnostics_channel'

/**
 * `node:diagnostics_channel` names lameduck publishes on. Subscribers get
 * `{ phase, reason, elapsed }` on `phase` (phase: 'draining' | 'delay' | 'drain' | 'hooks' |
 * 'closed'), the full report on `report`, and on `goaway` how each HTTP/2 session the drain
 * closed was closed: `{ steps: 2, acknowledged: true, pingMs }`, `{ steps: 2, acknowledged: false }`
 * or `{ steps: 1, reason }` (reason: 'tls' | 'unsupported' | 'transport' | 'busy').
 */
export const CHANNELS = Object.freeze({
  phase: 'lameduck:phase',
  report: 'lameduck:report',
  goaway: 'lameduck:goaway',
} as const)

export const phaseChannel = channel(CHANNELS.phase)
export const reportChannel = channel(CHANNELS.report)
