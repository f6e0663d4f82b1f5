// The calling thread's scheduler slice (Linux 6.12 and later, EEVDF's custom slice): a thread that
// asks for a short slice gets an early virtual deadline, so when it wakes it runs before threads
// that have used up less of their longer slices, instead of waiting for one of them to finish its
// turn. Its share of the CPU does not change. Node has no binding for sched_setattr(2).
//
//   setSlice(ns) -> the slice the kernel now holds for this thread, in ns: 0 where the kernel keeps no
//                   custom slice for normal threads (before 6.12); the kernel clamps to 0.1-100 ms
//   getSlice()   -> the same, read only
// Both throw an Error with the errno's text when the system call fails. Threads other than the
// calling one (V8's and libuv's helpers) keep the kernel's default.
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(SYS_sched_setattr) || !defined(SYS_sched_getattr)
#error "this platform has no sched_setattr/sched_getattr system calls"
#endif

// struct sched_attr as of Linux 3.14 (SCHED_ATTR_SIZE_VER0, 48 bytes).
struct attr48 {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

#define POLICY_OTHER 0
#define POLICY_BATCH 3

static napi_value fail(napi_env env, const char *what, int err) {
  char text[160];
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, text);
  return NULL;
}

static int read_attr(struct attr48 *attr) {
  memset(attr, 0, sizeof *attr);
  return (int)syscall(SYS_sched_getattr, 0, attr, (unsigned int)sizeof *attr, 0);
}

static napi_value slice_value(napi_env env, const struct attr48 *attr) {
  napi_value out;
  // Only the normal policies have a slice; the kernel reports it in sched_runtime.
  double ns = attr->sched_policy == POLICY_OTHER || attr->sched_policy == POLICY_BATCH ? (double)attr->sched_runtime : 0;
  napi_create_double(env, ns, &out);
  return out;
}

static napi_value get_slice(napi_env env, napi_callback_info info) {
  (void)info;
  struct attr48 attr;
  if (read_attr(&attr) != 0) return fail(env, "sched_getattr", errno);
  return slice_value(env, &attr);
}

static napi_value set_slice(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double ns = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_double(env, argv[0], &ns) != napi_ok || !(ns >= 0)) {
    napi_throw_type_error(env, NULL, "setSlice(ns): ns must be a number >= 0");
    return NULL;
  }
  struct attr48 attr;
  if (read_attr(&attr) != 0) return fail(env, "sched_getattr", errno);
  // A real-time or idle policy set by the operator (chrt) is left alone.
  if (attr.sched_policy != POLICY_OTHER && attr.sched_policy != POLICY_BATCH) return slice_value(env, &attr);
  // The same policy and nice value as now; only the slice changes (0: the kernel's default).
  attr.size = sizeof attr;
  attr.sched_flags = 0;
  attr.sched_runtime = (uint64_t)ns;
  attr.sched_deadline = 0;
  attr.sched_period = 0;
  if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) return fail(env, "sched_setattr", errno);
  if (read_attr(&attr) != 0) return fail(env, "sched_getattr", errno);
  return slice_value(env, &attr);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "setSlice", NULL, set_slice, NULL, NULL, NULL, napi_enumerable, NULL },
    { "getSlice", NULL, get_slice, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
