// The docs must tell the truth about the code: option defaults and error codes.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import * as core from '@lameduck/core'
import { DEFAULTS, ERROR_CODES, LameduckError, SHUTDOWN_WAITS } from '@lameduck/core'
import { failureLogger } from '@lameduck/core/adapter'
import { describe, expect, it } from 'vitest'

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')

describe('documentation', () => {
  it.each(['../README.md', '../../../docs/options.md'])(
    '%s lists every option with the default the code has',
    (path) => {
      const rows = new Map(
        [...read(path).matchAll(/^\|\s*`(\w+)`\s*\|([^|]+)\|/gm)].map((m) => [m[1], m[2]!.trim()]),
      )
      const documented = Object.fromEntries(
        Object.keys(DEFAULTS).map((key) => [key, rows.get(key)]),
      )
      expect(documented).toEqual({
        timeout: `\`${DEFAULTS.timeout}\``,
        delay: `\`${DEFAULTS.delay}\``,
        readinessFailsAt: `\`'${DEFAULTS.readinessFailsAt}'\``,
        closeSpread: `\`${DEFAULTS.closeSpread}\``,
        idleGrace: `\`${DEFAULTS.idleGrace}\``,
        hookTimeout: `\`${DEFAULTS.hookTimeout}\``,
        checkTimeout: `\`${DEFAULTS.checkTimeout}\``,
        signals: `\`${JSON.stringify(DEFAULTS.signals).replaceAll('"', "'").replace(',', ', ')}\``,
        foreignSignalWarning: `\`${DEFAULTS.foreignSignalWarning}\``,
        synGuard: `\`${DEFAULTS.synGuard}\``,
        logger: DEFAULTS.logger === failureLogger ? 'stderr, failures only' : 'silent',
      })
    },
  )

  it('lists every error code with its class, and no other', () => {
    const rows = [
      ...read('../../../docs/errors.md').matchAll(/^\|\s*`(LAMEDUCK_\w+)`\s*\|\s*`(\w+)`/gm),
    ].map((m) => [m[1], m[2]])
    // Every exported subclass of LameduckError, with the code it declares.
    const classes = Object.entries(core)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
      .filter(([, value]) => value !== LameduckError)
      .map(([name, value]) => [(value as unknown as { code: string }).code, name])
    expect(rows.sort()).toEqual(classes.sort())
    expect(rows.map(([code]) => code).sort()).toEqual([...ERROR_CODES].sort())
  })

  it("adds lameduck's own bounded waits wherever a doc gives the longest shutdown", () => {
    // The fact checked is the constant in every `timeout` + … + N s bound, in every doc of the
    // repository, however the sentence around it is worded.
    const docs = [
      '../../../README.md',
      ...readdirSync(new URL('../../../docs', import.meta.url)).map(
        (name) => `../../../docs/${name}`,
      ),
      ...readdirSync(new URL('../../', import.meta.url)).map((name) => `../../${name}/README.md`),
    ].filter((path) => path.endsWith('.md') && existsSync(new URL(path, import.meta.url)))
    const bounds = docs.flatMap((path) =>
      [
        ...read(path)
          .replaceAll(/\s+/g, ' ')
          .matchAll(/`timeout`[^.]{0,80}?\+ (\d+(?:\.\d+)?) s\b/g),
      ].map((m) => [path, Number(m[1]) * 1_000]),
    )
    expect(bounds.map(([path]) => path)).toContain('../../core/README.md')
    const waits = SHUTDOWN_WAITS.forcedClose + SHUTDOWN_WAITS.flush
    expect(bounds.filter(([, ms]) => ms !== waits)).toEqual([])
  })
})
