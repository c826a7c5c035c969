#ifndef PWSYNC_HARDENING_H
#define PWSYNC_HARDENING_H
/// Makes the process non-dumpable and sets RLIMIT_CORE to 0, so a crash never writes memory
/// (which may hold passwords) to disk and no other process of the same user can ptrace it.
/// Returns 0 on success.
int pwsync_disable_core_dumps(void);
#endif
