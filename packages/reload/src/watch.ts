// `--watch PATH`: a deploy that replaces the code reloads as SIGHUP does, with no signal. PATH
// may be a file, a directory (watched recursively) or a `current` symlink swapped to a new
// release. A file or a symlink is watched through its parent directory, by name: editors and
// deploy tools replace files by renaming over them, which a watch on the file itself would lose.
import { type FSWatcher, lstatSync, watch } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import type { Logger } from '@lameduck/core'

/** A burst of events (a write is a truncate then a write; a release is many files) is one change. */
export const WATCH_DEBOUNCE = 300

/** Calls `onChange` once per burst of changes to `path`; returns what stops watching. */
export function watchPath(path: string, onChange: () => void, logger: Logger): () => void {
  const target = resolve(path)
  const isDirectory = lstatSync(target).isDirectory()
  let timer: NodeJS.Timeout | undefined
  const changed = () => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      logger.info({ watch: target }, 'lameduck: change seen, reloading')
      onChange()
    }, WATCH_DEBOUNCE)
  }
  let watcher: FSWatcher
  if (isDirectory) {
    watcher = watch(target, { recursive: true }, changed)
  } else {
    const name = basename(target)
    watcher = watch(dirname(target), (_event, file) => {
      if (file === name) changed()
    })
  }
  watcher.on('error', (error) =>
    logger.error({ err: error, watch: target }, 'lameduck: --watch failed'),
  )
  return () => {
    clearTimeout(timer)
    watcher.close()
  }
}
