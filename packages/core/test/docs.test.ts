// The docs must tell the truth about the code: option defaults and error codes.
import { readFileSync } from 'node:fs'
import { DEFAULTS, ERROR_CODES } from '@lameduck/core'
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
        logger: 'silent',
      })
    },
  )

  it('lists every error code, and no other', () => {
    const codes = [...read('../../../docs/errors.md').matchAll(/^\|\s*`(LAMEDUCK_\w+)`/gm)].map(
      (m) => m[1],
    )
    expect(codes.sort()).toEqual([...ERROR_CODES].sort())
  })
})
