#pragma once
// HDF5 file of one trained network, with the same layout as a one-task
// campaign (see README "Output schema"). The campaign file of the engine
// extends it with more rows; every per-task dataset has a leading task axis.
#include <string>

#include "core/result.hpp"
#include "io/campaign_reader.hpp"

namespace memphase {


/// Writes `r` to `path` atomically (temp file in the same directory, fsync,
/// rename). Curves are subsampled every r.spec.train.record_every epochs (the
/// last epoch run is always kept). Throws IoError naming the path.
void write_task_file(const std::string& path, const TaskResult& r, const Provenance& prov);

/// Reads a file written by write_task_file (task row 0). Curves come back as
/// stored (subsampled); `epochs` receives the recorded epoch indices if given.
TaskResult read_task_file(const std::string& path, std::vector<std::int64_t>* epochs = nullptr,
                          Provenance* prov = nullptr);

}  // namespace memphase
