#include "csandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

// Landlock's user ABI, declared here: the build machine's kernel headers (6.1) predate the
// network (ABI 4) and scoping (ABI 6) fields this kernel has.
struct tcs_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;  // ABI 4
    uint64_t scoped;              // ABI 6
};
struct tcs_landlock_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

#define TCS_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define TCS_LANDLOCK_RULE_PATH_BENEATH 1
#define TCS_FS_EXECUTE (1ULL << 0)
#define TCS_FS_READ_FILE (1ULL << 2)
#define TCS_FS_READ_DIR (1ULL << 3)
#define TCS_FS_ABI1 ((1ULL << 13) - 1)  // execute … make_sym
#define TCS_FS_REFER (1ULL << 13)       // ABI 2
#define TCS_FS_TRUNCATE (1ULL << 14)    // ABI 3
#define TCS_FS_IOCTL_DEV (1ULL << 15)   // ABI 5
#define TCS_NET_BIND_TCP (1ULL << 0)
#define TCS_NET_CONNECT_TCP (1ULL << 1)
#define TCS_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define TCS_SCOPE_SIGNAL (1ULL << 1)

int tcs_landlock_abi(void) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, TCS_LANDLOCK_CREATE_RULESET_VERSION);
    return abi > 0 ? (int)abi : 0;
}

/// Read-only under `roots`, nothing written anywhere; no TCP (ABI 4+); signals and abstract UNIX
/// sockets only inside the domain (ABI 6+). Returns 0 or -errno; `active` gets the TCS_LANDLOCK_* bits.
int tcs_apply_landlock(const char *const *roots, int count, int *abi_out, unsigned *active) {
    int abi = tcs_landlock_abi();
    *abi_out = abi;
    if (abi < 1) return -EOPNOTSUPP;
    struct tcs_landlock_ruleset_attr attr = { 0, 0, 0 };
    attr.handled_access_fs = TCS_FS_ABI1;
    if (abi >= 2) attr.handled_access_fs |= TCS_FS_REFER;
    if (abi >= 3) attr.handled_access_fs |= TCS_FS_TRUNCATE;
    if (abi >= 5) attr.handled_access_fs |= TCS_FS_IOCTL_DEV;
    size_t size = sizeof(uint64_t);
    if (abi >= 4) {
        attr.handled_access_net = TCS_NET_BIND_TCP | TCS_NET_CONNECT_TCP;
        size = 2 * sizeof(uint64_t);
    }
    if (abi >= 6) {
        attr.scoped = TCS_SCOPE_ABSTRACT_UNIX_SOCKET | TCS_SCOPE_SIGNAL;
        size = 3 * sizeof(uint64_t);
    }
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0) return -errno;
    for (int i = 0; i < count; i++) {
        int fd = open(roots[i], O_PATH | O_CLOEXEC);
        if (fd < 0) continue;  // a root that does not exist grants nothing
        struct tcs_landlock_path_beneath_attr rule = { TCS_FS_EXECUTE | TCS_FS_READ_FILE | TCS_FS_READ_DIR, fd };
        long rc = syscall(SYS_landlock_add_rule, ruleset, TCS_LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
        if (rc != 0 && errno == EINVAL) {
            rule.allowed_access = TCS_FS_EXECUTE | TCS_FS_READ_FILE;
            rc = syscall(SYS_landlock_add_rule, ruleset, TCS_LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
        }
        int e = errno;
        close(fd);
        if (rc != 0) {
            close(ruleset);
            return -e;
        }
    }
    long rc = syscall(SYS_landlock_restrict_self, ruleset, 0);
    int e = errno;
    close(ruleset);
    if (rc != 0) return -e;
    *active |= TCS_LANDLOCK_FS;
    if (abi >= 4) *active |= TCS_LANDLOCK_NET;
    if (abi >= 6) *active |= TCS_LANDLOCK_SCOPE;
    return 0;
}
