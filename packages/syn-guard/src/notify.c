// One datagram to an AF_UNIX socket, with file descriptors attached (SCM_RIGHTS): the
// service manager notification protocol (sd_notify) that Node cannot speak, having no Unix
// datagram sockets. Nothing of libsystemd: the protocol is a datagram of NEWLINE-separated
// VARIABLE=VALUE lines sent to $NOTIFY_SOCKET.
#include <linux/un.h>
#include "kernel.h"
#include "notify.h"

#define MAX_MESSAGE 4096
#define MAX_FDS 64

static napi_value type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

// notify(path, message, fds): `path` absolute, or "@name" for the abstract namespace.
napi_value notify(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    return type_error(env, "expected (path, message, fds?)");
  }
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  size_t path_length = 0;
  if (napi_get_value_string_utf8(env, argv[0], address.sun_path, sizeof address.sun_path,
                                 &path_length) != napi_ok ||
      path_length == 0 || path_length >= sizeof address.sun_path - 1 ||
      (address.sun_path[0] != '/' && address.sun_path[0] != '@')) {
    return type_error(env, "expected the socket's path: absolute, or @name (abstract)");
  }
  if (address.sun_path[0] == '@') address.sun_path[0] = 0;
  char message[MAX_MESSAGE];
  size_t message_length = 0;
  if (napi_get_value_string_utf8(env, argv[1], message, sizeof message, &message_length) !=
          napi_ok ||
      message_length == 0 || message_length >= sizeof message - 1) {
    return type_error(env, "expected a message of 1 to 4094 bytes");
  }
  int fds[MAX_FDS];
  uint32_t fd_count = 0;
  bool is_array = false;
  if (argc >= 3) napi_is_array(env, argv[2], &is_array);
  if (is_array) {
    napi_get_array_length(env, argv[2], &fd_count);
    if (fd_count > MAX_FDS) return type_error(env, "expected at most 64 file descriptors");
    for (uint32_t i = 0; i < fd_count; i++) {
      napi_value element;
      int32_t fd = -1;
      napi_get_element(env, argv[2], i, &element);
      if (napi_get_value_int32(env, element, &fd) != napi_ok || fd < 0) {
        return type_error(env, "expected file descriptors (non-negative integers)");
      }
      fds[i] = fd;
    }
  }
  // The control message: one header, then the descriptors, padded to the header's alignment.
  union {
    struct k_cmsghdr header;
    char bytes[sizeof(struct k_cmsghdr) + sizeof fds];
  } control = {0};
  size_t rights = sizeof(struct k_cmsghdr) + fd_count * sizeof(int);
  control.header.length = rights;
  control.header.level = SOL_SOCKET;
  control.header.type = SCM_RIGHTS;
  for (uint32_t i = 0; i < fd_count; i++) {
    ((int *)(control.bytes + sizeof(struct k_cmsghdr)))[i] = fds[i];
  }
  struct k_iovec part = {message, message_length};
  struct k_msghdr datagram = {
    .name = &address,
    .name_length = (int)(__builtin_offsetof(struct sockaddr_un, sun_path) + path_length),
    .iov = &part,
    .iov_count = 1,
    .control = fd_count > 0 ? &control : NULL,
    .control_length = fd_count > 0 ? (rights + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1) : 0,
  };
  long fd = sys_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_system_error(env, "socket", fd);
  long sent = sys_sendmsg((int)fd, &datagram, MSG_NOSIGNAL);
  sys_close((int)fd);
  if (sent < 0) return throw_system_error(env, "sendmsg", sent);
  return NULL;
}
