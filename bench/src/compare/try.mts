import { CASES } from './cases.js'
import { PEERS } from './peer-process.js'

const only = process.argv.slice(2)
for (const c of CASES) {
  if (only.length && !only.includes(c.id)) continue
  const row = []
  for (const peer of PEERS) {
    const o = await c.run(peer)
    row.push(`${peer}: ${o.pass ? 'PASS' : 'fail'} (${o.detail})`)
  }
  console.log(`\n## ${c.id}\n  ${row.join('\n  ')}`)
}
