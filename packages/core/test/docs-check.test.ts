// Every code block marked `ts check` in the docs and package READMEs type-checks against the
// built packages, so the examples people copy keep compiling.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const sources = [
  'README.md',
  ...readdirSync(join(root, 'docs')).map((name) => join('docs', name)),
  ...readdirSync(join(root, 'packages')).map((name) => join('packages', name, 'README.md')),
].filter((path) => path.endsWith('.md'))

function blocks(): { name: string; code: string }[] {
  const found: { name: string; code: string }[] = []
  for (const path of sources) {
    let text: string
    try {
      text = readFileSync(join(root, path), 'utf8')
    } catch {
      continue
    }
    for (const [index, match] of [...text.matchAll(/^```ts check\n([\s\S]*?)^```/gm)].entries()) {
      found.push({ name: `${path.replaceAll(/[/.]/g, '_')}_${index}.ts`, code: match[1]! })
    }
  }
  return found
}

describe('documentation code', () => {
  it('type-checks every block marked `ts check`', { timeout: 60_000 }, () => {
    const found = blocks()
    expect(found.length).toBeGreaterThanOrEqual(4)
    const dir = join(root, '.docs-check')
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir)
    for (const { name, code } of found) writeFileSync(join(dir, name), `${code}\nexport {}\n`)
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../tsconfig.base.json',
        compilerOptions: { noEmit: true, types: ['node'], target: 'ES2022', lib: ['ES2023'] },
        include: ['*.ts'],
      }),
    )
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
    try {
      execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' })
    } catch (error) {
      throw new Error(
        `documentation code does not compile:\n${(error as { stdout: string }).stdout}`,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
