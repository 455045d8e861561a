import type { ShutdownReport } from './types.js'

function messageOf(error: unknown): string {
  if (error instanceof Error)
    return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`
  return String(error)
}

/** What an unclean shutdown did, in one line: each failed hook or singleton and its message, what was forced. */
export function failureLine(report: ShutdownReport): string {
  const parts: string[] = []
  for (const hook of report.hooks) {
    if (hook.status === 'error') parts.push(`hook "${hook.name}" failed: ${messageOf(hook.error)}`)
    if (hook.status === 'timeout') parts.push(`hook "${hook.name}" timed out after ${hook.ms} ms`)
  }
  for (const job of report.singletons) {
    if (job.status === 'error')
      parts.push(`singleton "${job.name}" failed: ${messageOf(job.error)}`)
    if (job.status === 'timeout') {
      parts.push(`singleton "${job.name}" still running ${job.ms} ms after the abort`)
    }
  }
  const { forced } = report.sockets
  if (forced > 0) {
    parts.push(
      `${forced} connection(s) destroyed at the deadline, ${report.requests.forced} request(s) cut`,
    )
  }
  return `lameduck: shutdown (${report.reason}) not clean: ${parts.join('; ')}`
}
