// Reads the credentials of the process at the other end of a connected Unix socket, which Node
// cannot do itself: SO_PEERCRED on Linux, getpeereid() on macOS and the BSDs.
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <node_api.h>

static napi_value fail(napi_env env, const char* message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

// peerCredentials(fd) -> { uid, gid, pid } (pid is -1 where the OS does not report it).
static napi_value PeerCredentials(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "peerCredentials(fd) needs a file descriptor");
    return NULL;
  }
  int64_t uid, gid, pid = -1;
#ifdef SO_PEERCRED
  struct ucred cred;
  socklen_t length = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0) return fail(env, strerror(errno));
  uid = cred.uid;
  gid = cred.gid;
  pid = cred.pid;
#else
  uid_t peer_uid;
  gid_t peer_gid;
  if (getpeereid(fd, &peer_uid, &peer_gid) != 0) return fail(env, strerror(errno));
  uid = peer_uid;
  gid = peer_gid;
#endif
  napi_value result, value;
  napi_create_object(env, &result);
  napi_create_int64(env, uid, &value);
  napi_set_named_property(env, result, "uid", value);
  napi_create_int64(env, gid, &value);
  napi_set_named_property(env, result, "gid", value);
  napi_create_int64(env, pid, &value);
  napi_set_named_property(env, result, "pid", value);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "peerCredentials", NAPI_AUTO_LENGTH, PeerCredentials, NULL, &fn);
  napi_set_named_property(env, exports, "peerCredentials", fn);
  return exports;
}
