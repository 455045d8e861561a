// The few Linux system calls the addon makes, and the ABI constants they take.
//
// The prebuilt binaries are built with SYN_GUARD_NOLIBC: no C library at all, each call made
// with the architecture's syscall instruction, so that one binary per architecture loads in a
// glibc Node and a musl Node alike (it needs nothing from the host but the Node-API functions
// Node itself exports). A build from source at install (another architecture) goes through the
// C library's syscall(), with the same code above this layer.
#ifndef SYN_GUARD_KERNEL_H
#define SYN_GUARD_KERNEL_H

#include <asm/unistd.h>
#include <stddef.h>
#include <stdint.h>

// A system call's result: >= 0 on success, else minus the errno.
#if defined(SYN_GUARD_NOLIBC) && defined(__x86_64__)
static inline long sys_call(long number, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long result;
  __asm__ volatile("syscall"
                   : "=a"(result)
                   : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return result;
}
#elif defined(SYN_GUARD_NOLIBC) && defined(__aarch64__)
static inline long sys_call(long number, long a, long b, long c, long d, long e, long f) {
  register long x8 __asm__("x8") = number;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory", "cc");
  return x0;
}
#elif defined(SYN_GUARD_NOLIBC)
#error "SYN_GUARD_NOLIBC is for x86_64 and aarch64; build without it (through the C library)"
#else
#include <errno.h>
#include <unistd.h>
static inline long sys_call(long number, long a, long b, long c, long d, long e, long f) {
  long result = syscall(number, a, b, c, d, e, f);
  return result == -1 ? -errno : result;
}
#endif

// Linux's values on every architecture this builds for (they differ on MIPS and SPARC only,
// which Node does not ship for).
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define SOCK_DGRAM 2
#define SOCK_CLOEXEC 02000000
#define SOCK_NONBLOCK 04000
#define SOL_SOCKET 1
#define SO_ATTACH_FILTER 26
#define SCM_RIGHTS 1
#define MSG_NOSIGNAL 0x4000
#define MSG_DONTWAIT 0x40
#define MSG_CMSG_CLOEXEC 0x40000000

struct k_iovec {
  void *base;
  size_t length;
};

struct k_msghdr {
  void *name;
  int name_length;
  struct k_iovec *iov;
  size_t iov_count;
  void *control;
  size_t control_length;
  unsigned flags;
};

struct k_cmsghdr {
  size_t length;
  int level;
  int type;
};

static inline long sys_socket(int family, int type, int protocol) {
  return sys_call(__NR_socket, family, type, protocol, 0, 0, 0);
}
static inline long sys_close(int fd) { return sys_call(__NR_close, fd, 0, 0, 0, 0, 0); }
static inline long sys_setsockopt(int fd, int level, int name, const void *value, unsigned size) {
  return sys_call(__NR_setsockopt, fd, level, name, (long)value, size, 0);
}
static inline long sys_getsockopt(int fd, int level, int name, void *value, unsigned *size) {
  return sys_call(__NR_getsockopt, fd, level, name, (long)value, (long)size, 0);
}
static inline long sys_getsockname(int fd, void *address, unsigned *size) {
  return sys_call(__NR_getsockname, fd, (long)address, (long)size, 0, 0, 0);
}
static inline long sys_sendto(int fd, const void *data, size_t size, int flags) {
  return sys_call(__NR_sendto, fd, (long)data, (long)size, flags, 0, 0);
}
static inline long sys_recvfrom(int fd, void *data, size_t size, int flags) {
  return sys_call(__NR_recvfrom, fd, (long)data, (long)size, flags, 0, 0);
}
static inline long sys_sendmsg(int fd, const struct k_msghdr *message, int flags) {
  return sys_call(__NR_sendmsg, fd, (long)message, flags, 0, 0, 0);
}
static inline long sys_recvmsg(int fd, struct k_msghdr *message, int flags) {
  return sys_call(__NR_recvmsg, fd, (long)message, flags, 0, 0, 0);
}
static inline long sys_bind(int fd, const void *address, unsigned size) {
  return sys_call(__NR_bind, fd, (long)address, size, 0, 0, 0);
}

#endif
