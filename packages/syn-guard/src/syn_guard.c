// Socket calls Node does not expose, for closing a TCP listener without resetting a connection
// the kernel has already completed: stop new handshakes, then count the connections still on
// their way to accept(); and, for `lameduck run`, the service manager's notifications
// (notify.c). Linux only; system calls through kernel.h.
#include <asm/errno.h>
#include <linux/filter.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/socket.h>
#include <linux/tcp.h>
#include <node_api.h>
#include "kernel.h"
#include "notify.h"

#define TCP_FLAGS_OFFSET 13
#define FLAG_SYN 0x02
#define FLAG_ACK 0x10

#define TCP_STATE_SYN_RECV 3
#define TCP_STATE_LISTEN 10
#define TCP_STATE_NEW_SYN_RECV 12

// Network byte order to the host's.
static uint16_t net16(uint16_t value) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return __builtin_bswap16(value);
#else
  return value;
#endif
}

#define ERRNO_NAME(name) {name, #name}
static const struct {
  int number;
  const char *name;
} errno_names[] = {
  ERRNO_NAME(EPERM),      ERRNO_NAME(ENOENT),          ERRNO_NAME(EBADF),
  ERRNO_NAME(EAGAIN),     ERRNO_NAME(ENOMEM),          ERRNO_NAME(EACCES),
  ERRNO_NAME(EFAULT),     ERRNO_NAME(EINVAL),          ERRNO_NAME(EMFILE),
  ERRNO_NAME(ENFILE),     ERRNO_NAME(ENOTDIR),         ERRNO_NAME(ENOTSOCK),
  ERRNO_NAME(EMSGSIZE),   ERRNO_NAME(EPROTOTYPE),      ERRNO_NAME(ENOPROTOOPT),
  ERRNO_NAME(EPROTONOSUPPORT), ERRNO_NAME(EOPNOTSUPP), ERRNO_NAME(EAFNOSUPPORT),
  ERRNO_NAME(ENOBUFS),    ERRNO_NAME(ECONNREFUSED),    ERRNO_NAME(ENOSYS),
  ERRNO_NAME(ETOOMANYREFS),
};

static void append(char *to, size_t size, size_t *at, const char *text) {
  while (*text && *at + 1 < size) to[(*at)++] = *text++;
  to[*at] = 0;
}

// Throws an Error like Node's system errors: message "<call>: <CODE>", with `code`, `errno`
// (negative, as in Node) and `syscall`.
napi_value throw_system_error(napi_env env, const char *call, long result) {
  int number = (int)-result;
  char code[24] = "E";
  size_t at = 1;
  const char *name = NULL;
  for (size_t i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++) {
    if (errno_names[i].number == number) name = errno_names[i].name;
  }
  if (name != NULL) {
    at = 0;
    append(code, sizeof code, &at, name);
  } else {
    char digits[12];
    int n = 0;
    for (int value = number; n == 0 || value > 0; value /= 10) digits[n++] = '0' + value % 10;
    append(code, sizeof code, &at, "RRNO");
    while (n > 0) code[at++] = digits[--n];
    code[at] = 0;
  }
  char message[96];
  at = 0;
  append(message, sizeof message, &at, call);
  append(message, sizeof message, &at, ": ");
  append(message, sizeof message, &at, code);
  napi_value error, text, code_value, errno_value, syscall_value;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value);
  napi_create_int32(env, -number, &errno_value);
  napi_create_string_utf8(env, call, NAPI_AUTO_LENGTH, &syscall_value);
  napi_create_error(env, code_value, text, &error);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_set_named_property(env, error, "syscall", syscall_value);
  napi_throw(env, error);
  return NULL;
}

// Reads the first argument as the fd of a listening TCP socket, filling `tcp` with its TCP_INFO;
// anything else throws, so that no filter is ever attached to another kind of socket.
static int listening_tcp_socket(napi_env env, napi_callback_info info, int *fd,
                                struct tcp_info *tcp) {
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype type = napi_undefined;
  double value = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 1) {
    napi_typeof(env, argv[0], &type);
  }
  if (type == napi_number) napi_get_value_double(env, argv[0], &value);
  if (!(value >= 0 && value <= 2147483647 && value == (double)(int)value)) {
    napi_throw_type_error(env, NULL, "expected a file descriptor (a non-negative integer)");
    return 0;
  }
  *fd = (int)value;
  unsigned size = sizeof *tcp;
  *tcp = (struct tcp_info){0};
  if (sys_getsockopt(*fd, IPPROTO_TCP, TCP_INFO, tcp, &size) != 0 ||
      tcp->tcpi_state != TCP_STATE_LISTEN) {
    napi_throw_error(env, "ENOTLISTENING", "the fd is not a listening TCP socket");
    return 0;
  }
  return 1;
}

// The filter sees each packet from its TCP header on. A pure SYN (SYN set, ACK clear) opens a
// new handshake: dropped, so the client retransmits it later, into a closed port. Everything
// else, the last ACK of a handshake already under way included, is kept whole: a filter's
// return value is the number of bytes to keep.
static struct sock_filter drop_syn[] = {
  BPF_STMT(BPF_LD | BPF_B | BPF_ABS, TCP_FLAGS_OFFSET),
  BPF_STMT(BPF_ALU | BPF_AND | BPF_K, FLAG_SYN | FLAG_ACK),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FLAG_SYN, 0, 1),
  BPF_STMT(BPF_RET | BPF_K, 0),
  BPF_STMT(BPF_RET | BPF_K, 0xFFFFFFFF),
};

static napi_value drop_new_handshakes(napi_env env, napi_callback_info info) {
  int fd;
  struct tcp_info tcp;
  if (!listening_tcp_socket(env, info, &fd, &tcp)) return NULL;
  struct sock_fprog program = {sizeof drop_syn / sizeof drop_syn[0], drop_syn};
  long result = sys_setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program);
  if (result < 0) return throw_system_error(env, "setsockopt(SO_ATTACH_FILTER)", result);
  return NULL;
}

// Handshakes in progress towards `port` (SYN answered, last ACK not in yet), counted with a
// sock_diag dump restricted to that state: the kernel skips every other socket, so the cost
// does not grow with the host's TIME_WAIT sockets as reading /proc/net/tcp would. The count,
// else minus the errno.
static long handshakes_in_progress(int family, uint16_t port) {
  long nl = sys_socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (nl < 0) return nl;
  struct {
    struct nlmsghdr header;
    struct inet_diag_req_v2 request;
  } dump = {0};
  dump.header.nlmsg_len = sizeof dump;
  dump.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  dump.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  dump.request.sdiag_family = family;
  dump.request.sdiag_protocol = IPPROTO_TCP;
  dump.request.idiag_states = (1 << TCP_STATE_SYN_RECV) | (1 << TCP_STATE_NEW_SYN_RECV);
  long result = sys_sendto(nl, &dump, sizeof dump, 0);
  long count = 0;
  char buffer[16384] __attribute__((aligned(8)));
  while (result >= 0) {
    result = sys_recvfrom(nl, buffer, sizeof buffer, 0);
    if (result == 0) result = -EPROTO;
    long size = result;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; result > 0 && NLMSG_OK(h, size);
         h = NLMSG_NEXT(h, size)) {
      if (h->nlmsg_type == NLMSG_DONE) {
        sys_close(nl);
        return count;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        int error = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
        result = error < 0 ? error : -EPROTO;
      } else {
        struct inet_diag_msg *socket_info = NLMSG_DATA(h);
        if (net16(socket_info->id.idiag_sport) == port) count++;
      }
    }
  }
  sys_close(nl);
  return result;
}

// Connections that closing the listener now would reset: completed ones waiting in the accept
// queue (on a listening socket TCP_INFO's tcpi_unacked is its length), else handshakes still
// in progress.
static napi_value pending_connections(napi_env env, napi_callback_info info) {
  int fd;
  struct tcp_info tcp;
  if (!listening_tcp_socket(env, info, &fd, &tcp)) return NULL;
  long pending = tcp.tcpi_unacked;
  if (pending == 0) {
    struct __kernel_sockaddr_storage address = {0};
    unsigned length = sizeof address;
    long result = sys_getsockname(fd, &address, &length);
    if (result < 0) return throw_system_error(env, "getsockname", result);
    uint16_t port = address.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&address)->sin6_port
                                                  : ((struct sockaddr_in *)&address)->sin_port;
    pending = handshakes_in_progress(address.ss_family, net16(port));
    if (pending < 0) return throw_system_error(env, "sock_diag", pending);
  }
  napi_value result;
  napi_create_uint32(env, (uint32_t)pending, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    {"dropNewHandshakes", NULL, drop_new_handshakes, NULL, NULL, NULL, napi_enumerable, NULL},
    {"pendingConnections", NULL, pending_connections, NULL, NULL, NULL, napi_enumerable, NULL},
    {"notify", NULL, notify, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
