#!/usr/bin/env node
// The `lameduck` command. Committed rather than built, so that `pnpm install` on a fresh clone
// links the bin before dist/ exists; the command itself is dist/cli.mjs.
import '../dist/cli.mjs'
