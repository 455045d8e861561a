#!/usr/bin/env node
// `pnpm pack:all [dir]`: packs every published package (built first by the script's `pnpm build`)
// into one folder, as `pnpm publish` would upload them, and prints the `npm install` line that
// installs them into an app outside this repository. Tarballs rather than `file:` links: a link
// resolves the framework from this workspace, a second copy next to the app's own.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
const out = resolve(process.argv[2] ?? join(root, '.packs'))

/** The packages `pnpm -r publish` would publish, by folder name. */
function publishedPackages() {
  return readdirSync(join(root, 'packages')).filter((name) => {
    try {
      return !JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')).private
    } catch {
      return false
    }
  })
}

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
const tarballs = publishedPackages().map((name) => {
  // pnpm, not npm: it turns `workspace:^` into the version, as publishing does.
  const printed = execFileSync('pnpm', ['pack', '--pack-destination', out], {
    cwd: join(root, 'packages', name),
    encoding: 'utf8',
  })
  const file = printed.trim().split('\n').at(-1)
  return resolve(out, file)
})
process.stdout.write(
  `packed ${tarballs.length} packages into ${out}\n` +
    'install the ones you use (@lameduck/core always), e.g. from your app:\n' +
    `  npm install ${tarballs.join(' ')}\n`,
)
