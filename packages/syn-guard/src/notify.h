#ifndef SYN_GUARD_NOTIFY_H
#define SYN_GUARD_NOTIFY_H
#include <node_api.h>

napi_value notify(napi_env env, napi_callback_info info);
napi_value throw_system_error(napi_env env, const char *call, long result);

#endif
