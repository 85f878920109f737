#ifndef TRADECTL_CCALLGRIND_SHIM_H
#define TRADECTL_CCALLGRIND_SHIM_H

// Valgrind's client requests are macros over inline assembly, which Swift cannot call: each is
// wrapped once here. Outside valgrind they are a few no-op instructions.
#include <valgrind/callgrind.h>

// Writes what was counted since the last dump to a file of its own, labelled `label`, and zeroes it.
static inline void tc_callgrind_dump(const char *_Nonnull label) { CALLGRIND_DUMP_STATS_AT(label); }
// Non-zero when running under valgrind.
static inline unsigned tc_running_on_valgrind(void) { return RUNNING_ON_VALGRIND; }

#endif
