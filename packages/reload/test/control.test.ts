// The control socket is the owner's alone. Tests run as root (CI does), so "another user" is a
// file or directory chowned to an unused uid.
import { once } from 'node:events'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ControlError } from '@lameduck/core'
import {
  controlDir,
  defaultControlPath,
  findControlPath,
  sendControl,
  supervise,
} from '@lameduck/reload'
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest'

const entry = fileURLToPath(new URL('./fixtures/plain-app.mjs', import.meta.url))
const listen = [{ host: '127.0.0.1', port: 0 }]
const OTHER_USER = 54_321

let runtimeDir: string
const savedRuntimeDir = process.env.XDG_RUNTIME_DIR

beforeEach(() => {
  runtimeDir = mkdtempSync(join(tmpdir(), 'lameduck-xdg-'))
  chmodSync(runtimeDir, 0o700)
  process.env.XDG_RUNTIME_DIR = runtimeDir
})

afterEach(() => {
  if (savedRuntimeDir === undefined) delete process.env.XDG_RUNTIME_DIR
  else process.env.XDG_RUNTIME_DIR = savedRuntimeDir
  rmSync(runtimeDir, { recursive: true, force: true })
})

async function supervising(control: string) {
  const versionFile = join(runtimeDir, 'version')
  writeFileSync(versionFile, 'v1')
  const supervisor = await supervise({
    entry,
    listen,
    control,
    env: { APP_VERSION_FILE: versionFile },
  })
  onTestFinished(async () => {
    await supervisor.stop()
  })
  return supervisor
}

/** What `supervise()` rejects with for this control path, before any worker starts. */
async function refusal(control: string): Promise<ControlError> {
  const error = await supervise({ entry, listen, control }).then(
    (supervisor) => supervisor.stop().then(() => new Error('the control path was accepted')),
    (error: unknown) => error,
  )
  expect(error).toBeInstanceOf(ControlError)
  return error as ControlError
}

describe('the control socket', { timeout: 15_000 }, () => {
  it('lives in $XDG_RUNTIME_DIR/lameduck when set, else in lameduck-<uid> in the temp dir', () => {
    expect(controlDir()).toBe(join(runtimeDir, 'lameduck'))
    expect(defaultControlPath(42)).toBe(join(runtimeDir, 'lameduck', '42.sock'))
    expect(controlDir({})).toBe(join(tmpdir(), `lameduck-${process.getuid!()}`))
  })

  it('is a 0600 socket in a 0700 directory, and answers its owner', async () => {
    const path = defaultControlPath()
    await supervising(path)
    expect(statSync(join(runtimeDir, 'lameduck')).mode & 0o777).toBe(0o700)
    const socket = statSync(path)
    expect(socket.isSocket()).toBe(true)
    expect(socket.mode & 0o777).toBe(0o600)
    expect(await sendControl(path, 'status')).toMatchObject({ pid: process.pid, generation: 1 })
  })

  it('tightens a control directory of the caller that others could read', async () => {
    mkdirSync(join(runtimeDir, 'lameduck'), { mode: 0o755 })
    chmodSync(join(runtimeDir, 'lameduck'), 0o755)
    await supervising(defaultControlPath())
    expect(statSync(join(runtimeDir, 'lameduck')).mode & 0o777).toBe(0o700)
  })

  it('refuses a control directory another user owns', async () => {
    const dir = join(runtimeDir, 'lameduck')
    mkdirSync(dir, { mode: 0o700 })
    chownSync(dir, OTHER_USER, OTHER_USER)
    expect((await refusal(defaultControlPath())).message).toMatch(/belongs to another user/)
  })

  it('refuses a control directory that is a symlink', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'lameduck-elsewhere-'))
    onTestFinished(() => rmSync(elsewhere, { recursive: true, force: true }))
    symlinkSync(elsewhere, join(runtimeDir, 'lameduck'))
    expect((await refusal(defaultControlPath())).message).toMatch(/symlink/)
  })

  it('refuses a --control path that is a symlink, or a file another user owns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lameduck-control-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const target = join(dir, 'target')
    writeFileSync(target, '')
    symlinkSync(target, join(dir, 'link.sock'))
    expect((await refusal(join(dir, 'link.sock'))).message).toMatch(/is a symlink/)
    writeFileSync(join(dir, 'theirs.sock'), '')
    chownSync(join(dir, 'theirs.sock'), OTHER_USER, OTHER_USER)
    expect((await refusal(join(dir, 'theirs.sock'))).message).toMatch(/another user/)
    // A file of the caller's that is not a socket is refused, and left where it is.
    writeFileSync(join(dir, 'notes.sock'), 'keep me')
    expect((await refusal(join(dir, 'notes.sock'))).message).toMatch(/not a socket/)
    expect(existsSync(join(dir, 'notes.sock'))).toBe(true)
  })

  it('refuses a --control directory another user owns or may write to', async () => {
    const theirs = mkdtempSync(join(tmpdir(), 'lameduck-theirs-'))
    onTestFinished(() => rmSync(theirs, { recursive: true, force: true }))
    chownSync(theirs, OTHER_USER, OTHER_USER)
    expect((await refusal(join(theirs, 'ctl.sock'))).message).toMatch(/another user/)
    const open = mkdtempSync(join(tmpdir(), 'lameduck-open-'))
    onTestFinished(() => rmSync(open, { recursive: true, force: true }))
    chmodSync(open, 0o777)
    expect((await refusal(join(open, 'ctl.sock'))).message).toMatch(/writable by other users/)
    // World-writable with the sticky bit, like /tmp: nobody else can replace the socket there.
    chmodSync(open, 0o1777)
    const path = join(open, 'ctl.sock')
    await supervising(path)
    expect(statSync(path).mode & 0o777).toBe(0o600)
  })

  it('bounds the command line: an endless one is answered with an error and closed', async () => {
    const path = defaultControlPath()
    await supervising(path)
    const socket = createConnection(path)
    onTestFinished(() => {
      socket.destroy()
    })
    await once(socket, 'connect')
    socket.setEncoding('utf8')
    let answer = ''
    socket.on('data', (chunk) => {
      answer += chunk
    })
    socket.on('error', () => {})
    // Written until the supervisor gives up on it; a supervisor reading forever never answers.
    socket.write('x'.repeat(1_000))
    await once(socket, 'end')
    expect(JSON.parse(answer)).toEqual({ ok: false, error: 'command longer than 64 characters' })
    expect(await sendControl(path, 'status')).toMatchObject({ pid: process.pid })
  })

  it('sendControl rejects with a ControlError when nothing answers', async () => {
    const error = await sendControl(join(runtimeDir, 'nobody.sock'), 'status').catch((e) => e)
    expect(error).toBeInstanceOf(ControlError)
    expect(error).toMatchObject({ cause: { code: 'ENOENT' } })
  })

  it("lameduck reload only finds the caller's own supervisors", async () => {
    mkdirSync(join(runtimeDir, 'lameduck'), { mode: 0o700 })
    // A live pid (this process) with a socket that another user put there.
    const path = defaultControlPath()
    const server = createServer().listen(path)
    await once(server, 'listening')
    onTestFinished(() => {
      server.close()
    })
    chownSync(path, OTHER_USER, OTHER_USER)
    expect(findControlPath()).toBeUndefined()
    chownSync(path, process.getuid!(), process.getgid!())
    expect(findControlPath()).toBe(path)
    // Another user's socket directory is not looked into at all.
    chownSync(join(runtimeDir, 'lameduck'), OTHER_USER, OTHER_USER)
    expect(findControlPath()).toBeUndefined()
  })
})
