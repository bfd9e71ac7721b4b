#pragma once
// Fault injection for the crash tests. MEMPHASE_FAULT="<point>:<rank>:<n>[:<sig>]"
// makes the process kill itself with SIGKILL the n-th time (1-based) it
// reaches <point> while its MPI rank is <rank> (-1: any rank). <sig> = TERM,
// INT or USR1 raises that signal instead (a stop request at a known moment).
// Points:
//   prepare     rank 0, right after the run directory is prepared (before any
//               task: a scancel or a preemption while the job starts)
//   epoch       after an epoch of training
//   ckpt-write  halfway through writing a checkpoint's temp file
//   journal     halfway through a journal append (a torn record)
//   index       halfway through a journal-index entry (a torn index; io/journal_index.hpp)
//   gather      while campaign.h5.tmp is being written
// Unset (the default): every check is one predictable branch.
#include <string_view>

namespace memphase {

/// Sets the rank used to match MEMPHASE_FAULT (call once after MPI_Init).
/// Also applies MEMPHASE_FSIZE_LIMIT=<bytes> as RLIMIT_FSIZE (write-failure
/// tests: memphase's own writes then fail with EFBIG, MPI's are unaffected).
void fault_set_rank(int rank);

/// Kills the process with SIGKILL if the configured fault fires here.
void fault_point(std::string_view point);

}  // namespace memphase
