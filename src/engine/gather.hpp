#pragma once
// `memphase gather`: writes DIR/campaign.h5 from the committed journal
// records with parallel HDF5. Rank 0 reads the journal indexes (where each
// record is, and how many curve points it stores); every rank owns a
// contiguous share of the task rows and streams them: records are decoded a
// chunk (~64 MiB) at a time, written with collective hyperslab writes and
// dropped, so memory does not grow with the number of tasks. Records the
// indexes do not describe (no index; ghost/WCRNN extras) are decoded once
// more, first, for the layout. The file is written as campaign.h5.tmp and
// renamed only when complete and closed.
#include <boost/mpi/communicator.hpp>

#include "rundir/run_dir.hpp"
#include "config/campaign.hpp"

namespace memphase {

/// Collective over comm. Tasks without a committed record get a row with
/// done = 0 (so a partial campaign can be gathered and analysed).
/// Returns the number of rows with done = 1.
std::int64_t gather_campaign(const boost::mpi::communicator& comm, const RunPaths& p, const Campaign& c);

}  // namespace memphase
