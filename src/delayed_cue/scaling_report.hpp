#pragma once
// The scaling analysis of the delayed-cue task (SPEC §3.7), shared by every
// family that trains on it: boundary fits per lr of the failure and SP
// fractions against delay, the exponents β_LC and β_SP of ln lr = -β ln T_c
// + c (reference and binomial estimators), and for the no-memory task the
// exponent γ of lr_c against the response length; each with the seed-paired
// bootstrap (docs/analysis-outputs.md).
#include <string>

#include "plugin/report.hpp"

namespace memphase {

/// β_LC and β_SP of a DCDT campaign: one exponent per group of the axes
/// other than lr and delay. `post`: the task has a post-response period (the
/// SP fraction is then ~0 and a failed β_SP says so).
void beta_fits(const AnalysisInput& in, const AnalyzeOptions& opt, AnalysisReport& r, bool post);

/// γ of the no-memory task: lr_c per response length from a logistic fit of
/// the failure fraction in ln lr, then the exponent against the response.
void nomem_fits(const AnalysisInput& in, const AnalyzeOptions& opt, AnalysisReport& r);

/// The lines `memphase analyze` prints of the outcomes: the PSD classes
/// (DCDT), or learned / not learned (no-memory).
std::string outcome_lines(const AnalysisReport& r, bool no_memory);

}  // namespace memphase
