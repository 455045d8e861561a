// What every benchmark report shares: its tables, the machine, the versions measured.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'

/** A titled Markdown table, as printed to the console and written to docs/benchmarks.md. */
export function markdownTable(title: string, head: string[], rows: (string | number)[][]): string {
  return [
    `### ${title}`,
    '',
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
  ].join('\n')
}

export const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${process.platform} ${process.arch}`

const benchRequire = createRequire(import.meta.url)
// undici is test-utils' dependency, not the bench's.
const testUtilsRequire = createRequire(
  new URL('../../packages/test-utils/package.json', import.meta.url),
)

/** The installed version of a package the bench (or, failing that, test-utils) depends on. */
export function packageVersion(name: string, requires = [benchRequire, testUtilsRequire]): string {
  for (const require of requires) {
    const path = packageJsonPath(require, name)
    if (path !== undefined)
      return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version
  }
  throw new Error(`${name} is not installed`)
}

// A package whose exports hide its package.json (hono, @hono/node-server) is found from its entry.
function packageJsonPath(require: NodeJS.Require, name: string): string | undefined {
  try {
    return require.resolve(`${name}/package.json`)
  } catch {}
  let dir: string
  try {
    dir = dirname(require.resolve(name))
  } catch {
    return undefined
  }
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    const path = join(dir, 'package.json')
    if (
      existsSync(path) &&
      (JSON.parse(readFileSync(path, 'utf8')) as { name?: string }).name === name
    ) {
      return path
    }
  }
  return undefined
}

/** Replaces what lies between `<!-- name -->` and `<!-- /name -->` in docs/benchmarks.md. */
export function writeSection(name: string, text: string): string {
  const docs = new URL('../../docs/benchmarks.md', import.meta.url)
  const previous = readFileSync(docs, 'utf8')
  const open = `<!-- ${name} -->`
  const close = `<!-- /${name} -->`
  const start = previous.indexOf(open)
  const end = previous.indexOf(close)
  if (start === -1 || end < start) throw new Error(`docs/benchmarks.md has no ${open} … ${close}`)
  writeFileSync(
    docs,
    `${previous.slice(0, start + open.length)}\n\n${text}\n${previous.slice(end)}`,
  )
  return docs.pathname
}
