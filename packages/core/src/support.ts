// lameduck reads private fields of Node's (node-internals.ts). Before the first server is
// attached, each one it will need is probed on a runtime CI does not test; a runtime that lacks
// one is refused with a typed error instead of a drain that quietly destroys everything at its
// deadline.
import { Server as TLSServer } from 'node:tls'
import { InvalidOptionError, UnsupportedError } from './errors.js'
import { type Feature, newProbeRun, PROBES } from './node-internals.js'
import { isHttp2Server } from './server-kind.js'

/** The runtime this process runs on, as users name it. */
export function currentRuntime(): { name: string; version: string } {
  const versions = process.versions as NodeJS.ProcessVersions & { bun?: string; deno?: string }
  if (versions.bun !== undefined) return { name: 'Bun', version: versions.bun }
  if (versions.deno !== undefined) return { name: 'Deno', version: versions.deno }
  return { name: 'Node.js', version: versions.node }
}

/**
 * The Node.js lines `.ci/run` runs the whole suite on, where test/node-internals.test.ts reads
 * every field on real servers. attach() trusts them instead of probing: with the probes' sockets
 * and requests built before the app's own, `attach(app.server)` measured 0.970–0.987 of a bare
 * Fastify app's requests per CPU-second, and 0.997 without them (docs/benchmarks.md, "Adapters
 * over several runs").
 */
export const TESTED_NODE_MAJORS: readonly number[] = Object.freeze([20, 22, 24, 26])

/** Set to `always`, the probes run on a tested Node line too (a release newer than CI's run). */
export const PROBE_ENV = 'LAMEDUCK_PROBE_RUNTIME'

function probesWanted(): boolean {
  const runtime = currentRuntime()
  // Deno reads the environment only with --allow-env; Bun and Deno are probed whatever it says.
  if (runtime.name !== 'Node.js') return true
  const setting = process.env[PROBE_ENV]
  if (setting === 'always') return true
  if (setting !== undefined && setting !== '') {
    throw new InvalidOptionError(PROBE_ENV, "'always', or unset", setting)
  }
  return !TESTED_NODE_MAJORS.includes(Number(runtime.version.split('.')[0]))
}

/** The fields missing for a feature, by name; a probe that throws counts as missing too. */
function missingFields(feature: Feature): string[] {
  const missing: string[] = []
  if (!probesWanted()) return missing
  const run = newProbeRun()
  for (const probe of PROBES) {
    if (probe.feature !== feature) continue
    let holds = false
    try {
      holds = probe.holds(run)
    } catch {
      holds = false
    }
    if (!holds) missing.push(probe.name)
  }
  return missing
}

// The runtime does not change while the process runs, so each feature is probed once per
// process: the one piece of module state in lameduck, shared by every handle on purpose.
const probed = new Map<Feature, readonly string[]>()

/** What draining this server reads: HTTP/1's fields always, TLS's and HTTP/2's when it speaks them. */
export function featuresOf(server: object): Feature[] {
  const features: Feature[] = ['http']
  if (server instanceof TLSServer) features.push('tls')
  if (isHttp2Server(server)) features.push('http2')
  return features
}

function probedMissing(feature: Feature): readonly string[] {
  let fields = probed.get(feature)
  if (fields === undefined) {
    fields = missingFields(feature)
    probed.set(feature, fields)
  }
  return fields
}

/** Throws `UnsupportedError` when this runtime lacks a field one of these features reads. */
export function assertSupported(features: readonly Feature[]): void {
  const missing = features.flatMap(probedMissing)
  if (missing.length > 0) throw new UnsupportedError(missing.join(', '), currentRuntime())
}

/**
 * For what lameduck can do without (HTTP/2's shutdown notice, which falls back to one GOAWAY):
 * the fields this runtime lacks for it, by name, none when it has them all.
 */
export function missingFor(feature: Feature): readonly string[] {
  return probedMissing(feature)
}
