// The docs must tell the truth about the code: option defaults and error codes.
import { readFileSync } from 'node:fs'
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

  it("counts lameduck's own bounded waits wherever it says how long a shutdown can take", () => {
    const extra = `+ ${(SHUTDOWN_WAITS.forcedClose + SHUTDOWN_WAITS.flush) / 1_000} s`
    const files = [
      '../README.md',
      ...['options', 'kubernetes', 'getting-started', 'faq', 'systemd'].map(
        (name) => `../../../docs/${name}.md`,
      ),
    ]
    const sentences = files.flatMap((path) =>
      read(path)
        .replaceAll(/\s+/g, ' ')
        .split(/(?<=[.:;]) /)
        .filter((sentence) => /hook timeouts/.test(sentence))
        .map((sentence) => [path, sentence]),
    )
    expect(sentences.length).toBeGreaterThanOrEqual(files.length)
    for (const [path, sentence] of sentences) expect(`${path}: ${sentence}`).toContain(extra)
  })
})
