// What the compiler may call on its own in a build without a C library (GCC and Clang emit
// calls to these four for struct copies and zeroing, even freestanding). Hidden: the addon's
// own, never the host's. Only in the SYN_GUARD_NOLIBC build.
#include <stddef.h>

#define LOCAL __attribute__((visibility("hidden")))

// volatile: stops the compiler turning these loops back into calls to themselves.
LOCAL void *memset(void *to, int value, size_t size) {
  volatile unsigned char *out = to;
  while (size--) *out++ = (unsigned char)value;
  return to;
}

LOCAL void *memcpy(void *to, const void *from, size_t size) {
  volatile unsigned char *out = to;
  const unsigned char *in = from;
  while (size--) *out++ = *in++;
  return to;
}

LOCAL void *memmove(void *to, const void *from, size_t size) {
  volatile unsigned char *out = to;
  const unsigned char *in = from;
  if (out < in) {
    while (size--) *out++ = *in++;
  } else {
    while (size--) out[size] = in[size];
  }
  return to;
}

LOCAL int memcmp(const void *a, const void *b, size_t size) {
  const unsigned char *x = a, *y = b;
  for (; size--; x++, y++) {
    if (*x != *y) return *x - *y;
  }
  return 0;
}
