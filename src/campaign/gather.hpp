#pragma once
// `memphase gather`: writes DIR/campaign.h5 from the committed journal
// records with parallel HDF5. Every rank reads a contiguous share of the task
// rows and writes its hyperslabs collectively. The file is written as
// campaign.h5.tmp.<jobid> and renamed only when complete and closed.
#include <boost/mpi/communicator.hpp>

#include "campaign/run_dir.hpp"
#include "config/campaign.hpp"

namespace memphase {

/// Collective over comm. Tasks without a committed record get a row with
/// done = 0 (so a partial campaign can be gathered and analysed).
/// Returns the number of rows with done = 1.
std::int64_t gather_campaign(const boost::mpi::communicator& comm, const RunPaths& p, const Campaign& c);

}  // namespace memphase
