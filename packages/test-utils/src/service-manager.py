# A stand-in for systemd's service manager, for tests (systemd itself is never booted). Binds the
# notification socket at argv[1] (absolute, or @name), prints {"bound": true}, then:
# - prints each datagram it receives as {"datagram": {"text", "pid", "at", "fds"}}: "pid" is the
#   sender the kernel vouches for (SCM_CREDENTIALS), "at" this process's CLOCK_MONOTONIC in µs,
#   "fds" what each handed fd is (a TCP socket's port and whether it listens);
# - keeps the fds sent with FDSTORE=1 under their FDNAME, closes them on FDSTOREREMOVE=1;
# - reads commands on stdin, one JSON object a line:
#   {"start": [argv...]}  runs the service with NOTIFY_SOCKET, and the stored fds as systemd
#                         passes them (fds 3..., LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID);
#   {"signal": "SIGHUP"}  sends a signal to the service's main process;
# - prints {"started": pid} and {"exited": code}. Ends when stdin closes, or after argv[2] s.
import fcntl, json, os, select, signal, socket, stat, struct, subprocess, sys, time

path = sys.argv[1]
deadline = time.monotonic() + (float(sys.argv[2]) if len(sys.argv) > 2 else 60)
receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
receiver.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
receiver.bind("\0" + path[1:] if path.startswith("@") else path)
store = {}  # FDNAME -> fd, in the order stored
service = None


def say(event):
    print(json.dumps(event), flush=True)


def describe(fd):
    if not stat.S_ISSOCK(os.fstat(fd).st_mode):
        return {"type": stat.S_IFMT(os.fstat(fd).st_mode)}
    s = socket.socket(fileno=os.dup(fd))
    try:
        inet = s.family in (socket.AF_INET, socket.AF_INET6)
        return {"port": s.getsockname()[1] if inet else None,
                "listening": bool(s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))}
    finally:
        s.close()


def receive():
    data, ancillary, _, _ = receiver.recvmsg(4096, socket.CMSG_SPACE(64 * 4) + socket.CMSG_SPACE(12))
    pid, fds = None, []
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", payload[:12])[0]
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            n = len(payload) // 4
            fds += list(struct.unpack("%di" % n, payload[: n * 4]))
    text = data.decode()
    say({"datagram": {"text": text, "pid": pid, "at": time.monotonic_ns() // 1000,
                      "fds": [describe(fd) for fd in fds]}})
    fields = dict(line.split("=", 1) for line in text.split("\n") if "=" in line)
    if fields.get("FDSTORE") == "1" and fds:
        name = fields.get("FDNAME", "stored")
        if name in store:
            os.close(store.pop(name))
        store[name] = fds[0]
        for extra in fds[1:]:
            os.close(extra)
    elif fields.get("FDSTOREREMOVE") == "1":
        fd = store.pop(fields.get("FDNAME", "stored"), None)
        if fd is not None:
            os.close(fd)
    else:
        for fd in fds:
            os.close(fd)


def start(argv):
    global service
    names = list(store)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    env.pop("LISTEN_FDS", None)
    if names:
        env.update(LISTEN_FDS=str(len(names)), LISTEN_FDNAMES=":".join(names))
    # The stored fds at 3, 4, ... in the child, as systemd passes them.
    # Out of the way first: a stored fd may itself be 3 or 4 here.
    def place():
        high = [fcntl.fcntl(store[name], fcntl.F_DUPFD, 100) for name in names]
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i)
    # LISTEN_PID names the process that execs: a shell sets it to its own pid, then execs.
    command = ["/bin/sh", "-c", 'if [ -n "$LISTEN_FDS" ]; then export LISTEN_PID=$$; fi; exec "$@"', "sh"] + argv
    # close_fds would close them again: it runs after preexec_fn.
    service = subprocess.Popen(command, env=env, preexec_fn=place, close_fds=False,
                               stdin=subprocess.DEVNULL)
    say({"started": service.pid})


lines = sys.stdin
say({"bound": True})
open_stdin = True
while time.monotonic() < deadline:
    watched = [receiver] + ([sys.stdin] if open_stdin else [])
    ready, _, _ = select.select(watched, [], [], 0.05)
    if receiver in ready:
        receive()
    if sys.stdin in ready:
        line = sys.stdin.readline()
        if line == "":
            open_stdin = False
            break
        command = json.loads(line)
        if "start" in command:
            start(command["start"])
        elif "signal" in command and service is not None:
            service.send_signal(getattr(signal, command["signal"]))
    if service is not None and service.poll() is not None:
        while select.select([receiver], [], [], 0)[0]:
            receive()
        say({"exited": service.returncode})
        service = None
if service is not None:
    service.kill()
