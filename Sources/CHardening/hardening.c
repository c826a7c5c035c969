#include "hardening.h"
#include <sys/prctl.h>
#include <sys/resource.h>

int pwsync_disable_core_dumps(void) {
    struct rlimit none = {0, 0}, now;
    int rc = 0;
    // Already zero (systemd's LimitCORE=0): nothing to ask of a syscall filter that denies setrlimit.
    if (getrlimit(RLIMIT_CORE, &now) != 0 || now.rlim_cur != 0 || now.rlim_max != 0) rc = setrlimit(RLIMIT_CORE, &none);
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) rc = -1;
    return rc;
}
