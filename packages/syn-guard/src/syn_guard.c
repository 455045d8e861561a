// Socket calls Node does not expose, for closing a TCP listener without resetting a connection
// the kernel has already completed: stop new handshakes, then count the connections still on
// their way to accept(). Linux only.
#include <errno.h>
#include <linux/filter.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <node_api.h>

#define TCP_FLAGS_OFFSET 13
#define FLAG_SYN 0x02
#define FLAG_ACK 0x10

static napi_value throw_errno(napi_env env, const char *call) {
  char message[128];
  int code = errno;
  snprintf(message, sizeof message, "%s: %s", call, strerror(code));
  napi_throw_error(env, NULL, message);
  return NULL;
}

#define TCP_STATE_SYN_RECV 3
#define TCP_STATE_LISTEN 10
#define TCP_STATE_NEW_SYN_RECV 12

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
  socklen_t size = sizeof *tcp;
  memset(tcp, 0, sizeof *tcp);
  if (getsockopt(*fd, IPPROTO_TCP, TCP_INFO, tcp, &size) != 0 ||
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
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0) {
    return throw_errno(env, "setsockopt(SO_ATTACH_FILTER)");
  }
  return NULL;
}

// Handshakes in progress towards `port` (SYN answered, last ACK not in yet), counted with a
// sock_diag dump restricted to that state: the kernel skips every other socket, so the cost
// does not grow with the host's TIME_WAIT sockets as reading /proc/net/tcp would. -1 on error.
static int handshakes_in_progress(int family, uint16_t port) {
  int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (nl < 0) return -1;
  struct {
    struct nlmsghdr header;
    struct inet_diag_req_v2 request;
  } dump;
  memset(&dump, 0, sizeof dump);
  dump.header.nlmsg_len = sizeof dump;
  dump.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  dump.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  dump.request.sdiag_family = family;
  dump.request.sdiag_protocol = IPPROTO_TCP;
  dump.request.idiag_states = (1 << TCP_STATE_SYN_RECV) | (1 << TCP_STATE_NEW_SYN_RECV);
  if (send(nl, &dump, sizeof dump, 0) < 0) {
    close(nl);
    return -1;
  }
  int count = 0;
  char buffer[16384];
  for (;;) {
    ssize_t size = recv(nl, buffer, sizeof buffer, 0);
    if (size <= 0) {
      close(nl);
      return -1;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, (size_t)size);
         h = NLMSG_NEXT(h, size)) {
      if (h->nlmsg_type == NLMSG_DONE) {
        close(nl);
        return count;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        close(nl);
        return -1;
      }
      struct inet_diag_msg *socket_info = NLMSG_DATA(h);
      if (ntohs(socket_info->id.idiag_sport) == port) count++;
    }
  }
}

// Connections that closing the listener now would reset: completed ones waiting in the accept
// queue (on a listening socket TCP_INFO's tcpi_unacked is its length), else handshakes still
// in progress.
static napi_value pending_connections(napi_env env, napi_callback_info info) {
  int fd;
  struct tcp_info tcp;
  if (!listening_tcp_socket(env, info, &fd, &tcp)) return NULL;
  int pending = (int)tcp.tcpi_unacked;
  if (pending == 0) {
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    if (getsockname(fd, (struct sockaddr *)&address, &length) != 0) {
      return throw_errno(env, "getsockname");
    }
    uint16_t port = address.ss_family == AF_INET6
                        ? ntohs(((struct sockaddr_in6 *)&address)->sin6_port)
                        : ntohs(((struct sockaddr_in *)&address)->sin_port);
    pending = handshakes_in_progress(address.ss_family, port);
    if (pending < 0) return throw_errno(env, "sock_diag");
  }
  napi_value result;
  napi_create_uint32(env, (uint32_t)pending, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    {"dropNewHandshakes", NULL, drop_new_handshakes, NULL, NULL, NULL, napi_enumerable, NULL},
    {"pendingConnections", NULL, pending_connections, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, 2, methods);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
