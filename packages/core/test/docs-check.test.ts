// Every `ts` code block in the README, docs/ and the package READMEs type-checks against the built
// packages, as pasted: what a snippet assumes (a `pool`, a `cache`) it declares, so the examples
// people copy keep compiling. A package README's blocks are checked in that package's folder, where
// its framework is installed; the others at the root.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const sources = [
  'README.md',
  ...readdirSync(join(root, 'docs')).map((name) => join('docs', name)),
  ...readdirSync(join(root, 'packages')).map((name) => join('packages', name, 'README.md')),
].filter((path) => path.endsWith('.md'))

/** The blocks, by the folder they are checked in. */
function blocks(): Map<string, { name: string; code: string }[]> {
  const found = new Map<string, { name: string; code: string }[]>()
  for (const path of sources) {
    let text: string
    try {
      text = readFileSync(join(root, path), 'utf8')
    } catch {
      continue
    }
    const dir = path.startsWith('packages') ? join(root, dirname(path)) : root
    for (const [index, match] of [...text.matchAll(/^```ts\n([\s\S]*?)^```/gm)].entries()) {
      const list = found.get(dir) ?? []
      list.push({ name: `${path.replaceAll(/[/.]/g, '_')}_${index}.mts`, code: match[1]! })
      found.set(dir, list)
    }
  }
  return found
}

describe('documentation code', () => {
  it('type-checks every ts block', { timeout: 180_000 }, () => {
    const found = blocks()
    expect([...found.values()].flat().length).toBeGreaterThanOrEqual(14)
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
    const failures: string[] = []
    for (const [base, list] of found) {
      const dir = join(base, '.docs-check')
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(dir)
      for (const { name, code } of list) writeFileSync(join(dir, name), `${code}\nexport {}\n`)
      // .mts: ES modules (top-level await) in any package; decorators as NestJS apps compile them.
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          extends: relative(dir, join(root, 'tsconfig.base.json')),
          compilerOptions: {
            noEmit: true,
            types: ['node'],
            target: 'ES2022',
            lib: ['ES2023'],
            experimentalDecorators: true,
            emitDecoratorMetadata: true,
          },
          include: ['*.mts'],
        }),
      )
      try {
        execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' })
      } catch (error) {
        failures.push(`${relative(root, dir)}:\n${(error as { stdout: string }).stdout}`)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
    if (failures.length > 0) {
      throw new Error(`documentation code does not compile:\n${failures.join('\n')}`)
    }
  })
})
