#include "engine/scheduler.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/mpi/collectives.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "engine/cost.hpp"
#include "engine/gather.hpp"
#include "rundir/run_dir.hpp"
#include "config/campaign.hpp"
#include "core/error.hpp"
#include "core/fault.hpp"
#include "core/hash.hpp"
#include "io/durable.hpp"
#include "plugin/family.hpp"

namespace memphase {

namespace mpi = boost::mpi;
using Clock = std::chrono::steady_clock;

namespace {

// ---------------------------------------------------------------- signals
std::atomic<int> g_signal{0};

extern "C" void on_stop_signal(int sig) { g_signal.store(sig); }

}  // namespace

void install_stop_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int s : {SIGTERM, SIGINT, SIGUSR1}) sigaction(s, &sa, nullptr);
}

namespace {

// ---------------------------------------------------------------- protocol
// Worker -> rank 0 (tag kReq): {finished task index or -1, flags, train ms}.
// Rank 0 -> worker (tag kCmd): one int64: a task index, kStopNow (no more
// work: leave the loop) or kStopSoon (checkpoint at the next epoch boundary
// and report). One tag per direction keeps the messages of a pair ordered.
constexpr int kReq = 11;
constexpr int kCmd = 12;
constexpr std::int64_t kStopNow = -1;
constexpr std::int64_t kStopSoon = -3;
constexpr std::int64_t kFlagStopping = 1;  // worker is leaving (signal/stop notice)
constexpr std::int64_t kFlagSignal = 2;    // ... because it received a signal

/// Collective error agreement: if any rank failed, every rank throws the
/// message of the lowest failing rank (as the same error type).
void agree(const mpi::communicator& comm, const std::optional<std::string>& err, int type) {
  const int mine = err ? comm.rank() : comm.size();
  const int first = mpi::all_reduce(comm, mine, mpi::minimum<int>());
  if (first == comm.size()) return;
  std::string msg = err ? *err : std::string();
  int t = type;
  mpi::broadcast(comm, msg, first);
  mpi::broadcast(comm, t, first);
  if (t == 1) throw ConfigError(msg);
  if (t == 3) throw IoError(msg);
  throw CampaignError(msg);
}

int error_type(const std::exception& e) {
  if (dynamic_cast<const ConfigError*>(&e)) return 1;
  if (dynamic_cast<const IoError*>(&e)) return 3;
  return 2;
}

/// A JSON string literal (quotes and backslashes escaped) for log events.
std::string detail_json(const std::string& s) {
  std::string o = "\"";
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\';
    if (static_cast<unsigned char>(ch) >= 0x20) o += ch;
  }
  return o + "\"";
}

std::string fmt_duration(double s) {
  if (!(s >= 0) || s > 1e9) return "?";
  const long t = static_cast<long>(s + 0.5);
  if (t >= 3600) return fmt::format("{}h{:02d}m", t / 3600, (t % 3600) / 60);
  if (t >= 60) return fmt::format("{}m{:02d}s", t / 60, t % 60);
  return fmt::format("{}s", t);
}

/// Slurm's job end time, seconds from now, when the job has one.
double slurm_seconds_left() {
  const char* end = std::getenv("SLURM_JOB_END_TIME");
  if (!end || !*end) return 0.0;
  const double t_end = std::atof(end);
  const double now = static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
  return t_end > now ? t_end - now : 0.0;
}

/// Everything one rank needs while the campaign runs.
class Engine {
 public:
  Engine(const mpi::communicator& comm, const RunOptions& opt, const Campaign& c, const RunPaths& p,
         std::int64_t session)
      : comm_(comm), opt_(opt), c_(c), p_(p), journal_(p.journal(session, comm.rank())) {
    log_ = spdlog::basic_logger_mt(fmt::format("rank{}", comm.rank()),
                                   fmt::format("{}/s{:04d}-r{:05d}.log", p.log_dir(), session, comm.rank()));
    log_->set_pattern("{\"time\":\"%Y-%m-%dT%H:%M:%S.%e\",%v}");
    log_->flush_on(spdlog::level::info);
  }
  ~Engine() { spdlog::drop(log_->name()); }

  /// Runs task `idx` through its family's runner (plugin/runner.hpp) from
  /// its checkpoint (or from scratch) until it is committed (true) or a stop
  /// was requested (false, checkpointed). The one loop for every family.
  bool train_task(std::int64_t idx, const std::function<void()>& poll);
  /// Journal record (and index entry) + checkpoint removal + task_done event
  /// of a finished task.
  void commit(std::int64_t idx, const TaskResult& r);
  /// Journal record and index entry; warns once if the index stops being kept.
  void append(std::uint64_t key, const TaskResult& r) {
    journal_.commit(key, r);
    if (!index_warned_ && !journal_.index_warning().empty()) {
      index_warned_ = true;
      spdlog::warn("rank {}: {}", comm_.rank(), journal_.index_warning());
      event(fmt::format("\"event\":\"index_disabled\",\"why\":{}", detail_json(journal_.index_warning())));
    }
  }
  /// Warning + bad_checkpoint event: task idx restarts from scratch.
  void bad_checkpoint(std::int64_t idx, const std::string& why) {
    spdlog::warn("rank {}: checkpoint of task {} ({}) is unusable ({}); restarting it from scratch", comm_.rank(),
                 idx, hex64(c_.tasks[static_cast<std::size_t>(idx)].key), why);
    event(fmt::format("\"event\":\"bad_checkpoint\",\"task\":{},\"why\":\"{}\"", idx, why));
  }

  void event(const std::string& json_fields) { log_->info("\"rank\":{},{}", comm_.rank(), json_fields); }

  bool stop_requested() const { return stop_ || g_signal.load() != 0; }
  void request_stop() { stop_ = true; }

  const mpi::communicator& comm_;
  const RunOptions& opt_;
  const Campaign& c_;
  const RunPaths& p_;
  CommitLog journal_;
  std::shared_ptr<spdlog::logger> log_;
  bool stop_ = false;
  bool index_warned_ = false;
  std::int64_t last_train_ms_ = 0;
};

bool Engine::train_task(std::int64_t idx, const std::function<void()>& poll) {
  const CampaignTask& task = c_.tasks[static_cast<std::size_t>(idx)];
  const Family& family = *task.spec.family;
  std::string why;
  std::int64_t from = 0;
  RunControl ctl;
  if (std::optional<Checkpoint> ck = load_checkpoint(p_, task.key, task.spec, &why)) {
    from = ck->epoch;
    ctl.resume = std::move(ck->state);
  } else if (!why.empty()) {
    bad_checkpoint(idx, why);
  }
  event(fmt::format("\"event\":\"task_start\",\"task\":{},\"key\":\"{}\",\"from_epoch\":{}", idx,
                    hex64(task.key), from));
  const auto& pol = c_.checkpoint;
  auto last_ckpt = Clock::now();
  std::int64_t last_ckpt_epoch = from, now_epoch = from;
  ctl.poll = [&](std::int64_t epoch) {
    now_epoch = epoch;
    fault_point("epoch");
    poll();
    if (stop_requested()) return RunAction::stop;
    const bool by_epochs = pol.every_epochs > 0 && epoch - last_ckpt_epoch >= pol.every_epochs;
    const bool by_time = pol.every_seconds > 0 &&
                         std::chrono::duration<double>(Clock::now() - last_ckpt).count() >= pol.every_seconds;
    return by_epochs || by_time ? RunAction::checkpoint : RunAction::go_on;
  };
  ctl.save = [&](std::string state) {
    write_checkpoint(p_, task.key, now_epoch, state);
    last_ckpt = Clock::now();
    last_ckpt_epoch = now_epoch;
  };
  std::optional<TaskResult> r;
  try {
    r = family.run(task.spec, &ctl);
  } catch (const IoError& e) {
    // A checkpoint that decodes as a frame but not as this task's state.
    if (!ctl.resume) throw;
    bad_checkpoint(idx, e.what());
    ctl.resume.reset();
    now_epoch = last_ckpt_epoch = 0;
    r = family.run(task.spec, &ctl);
  }
  if (!r) {
    event(fmt::format("\"event\":\"task_paused\",\"task\":{},\"epoch\":{}", idx, now_epoch));
    return false;
  }
  commit(idx, *r);
  return true;
}

void Engine::commit(std::int64_t idx, const TaskResult& r) {
  const CampaignTask& task = c_.tasks[static_cast<std::size_t>(idx)];
  append(task.key, r);
  remove_checkpoint(p_, task.key);
  last_train_ms_ = static_cast<std::int64_t>(r.train_seconds * 1e3);
  event(fmt::format("\"event\":\"task_done\",\"task\":{},\"key\":\"{}\",\"status\":\"{}\","
                    "\"class\":{},\"epochs\":{},\"seconds\":{:.3f}",
                    idx, hex64(task.key), to_string(r.status), static_cast<int>(r.cls.net_class),
                    r.epochs_run, r.train_seconds));
}

// ---------------------------------------------------------------- rank 0
class Master {
 public:
  /// `calibration`: the cost model calibrated on the tasks committed by
  /// earlier sessions (their train_seconds from the journal index).
  Master(Engine& e, std::deque<std::int64_t> queue, std::int64_t already_done, double deadline_s,
         CostCalibration calibration)
      : e_(e), queue_(std::move(queue)), done_(already_done), total_(static_cast<std::int64_t>(e.c_.tasks.size())),
        busy_(static_cast<std::size_t>(e.comm_.size()), false), start_(Clock::now()),
        deadline_s_(deadline_s), calib_(calibration) {
    for (const std::int64_t idx : queue_) remaining_.add(estimate(idx));
  }

  void run() {
    const int workers = e_.comm_.size() - 1;
    while (!e_.stop_requested()) {
      check_walltime();
      const auto idx = next_task();
      if (!idx) break;
      ++in_flight_;
      const bool committed = e_.train_task(*idx, [this] {
        serve(false);
        check_walltime();
        if (e_.stop_requested()) broadcast_stop_soon();
        progress(false);
      });
      --in_flight_;
      if (committed) note_done(*idx, e_.last_train_ms_);
      // Also between tasks: a task of one epoch never polls, and rank 0 kept
      // every such task to itself (the 63,000-task scale test ran on rank 0
      // alone while rank 1 waited for its first reply).
      serve(false);
      progress(false);
    }
    if (e_.stop_requested()) broadcast_stop_soon();
    // Keep serving until every worker has been told to leave.
    while (left_ < workers) {
      serve(true);
      check_walltime();
      if (e_.stop_requested()) broadcast_stop_soon();
      progress(false);
    }
    progress(true);
    if (deferred_ > 0)
      fmt::print("walltime: {} task(s) not started because their estimate exceeds the time left; "
                 "they run when you resume\n", deferred_);
  }


 private:
  std::optional<std::int64_t> next_task() {
    if (e_.stop_requested()) return std::nullopt;
    const double left = seconds_left();
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      // Walltime: do not start a task whose estimate exceeds the time left.
      const double est = estimate(*it) * speed_factor();
      if (deadline_s_ > 0 && est > left) continue;
      const std::int64_t v = *it;
      queue_.erase(it);
      return v;
    }
    deferred_ = static_cast<std::int64_t>(queue_.size());
    return std::nullopt;
  }

  double seconds_left() const {
    if (deadline_s_ <= 0) return 1e300;
    return deadline_s_ - e_.opt_.walltime_margin -
           std::chrono::duration<double>(Clock::now() - start_).count();
  }

  void check_walltime() {
    if (deadline_s_ > 0 && seconds_left() <= 0 && !e_.stop_) {
      spdlog::warn("walltime: {} left before the end; checkpointing every rank now",
                   fmt_duration(e_.opt_.walltime_margin));
      e_.request_stop();
    }
  }

  /// Cost-model seconds of task idx (uncalibrated).
  double estimate(std::int64_t idx) const { return task_seconds(e_.c_.tasks[static_cast<std::size_t>(idx)].spec); }

  double speed_factor() const { return calib_.ratio(); }

  /// Records a commit; observed/estimated time calibrates the cost model.
  void note_done(std::int64_t idx, std::int64_t train_ms) {
    ++done_;
    ++done_now_;
    const double est = estimate(idx);
    calib_.add(est, static_cast<double>(train_ms) * 1e-3);
    remaining_.remove(est);
  }

  void broadcast_stop_soon() {
    for (int w = 1; w < e_.comm_.size(); ++w)
      if (busy_[static_cast<std::size_t>(w)] && !told_[w]) {
        e_.comm_.send(w, kCmd, kStopSoon);
        e_.event(fmt::format("\"event\":\"stop_soon\",\"to\":{}", w));
        told_[w] = true;
      }
  }

  /// Answers pending requests (all of them); with `block`, waits until at
  /// least one has been answered.
  void serve(bool block) {
    for (;;) {
      boost::optional<mpi::status> st = e_.comm_.iprobe(mpi::any_source, kReq);
      if (!st) {
        if (!block) return;
        st = e_.comm_.probe(mpi::any_source, kReq);
      }
      // `block` asks for at least one message: once one is handled (whether
      // iprobe or probe found it), only drain what is already there. (Found
      // by the soak: keeping it set made rank 0 wait forever for a request
      // from a worker that had already left.)
      block = false;
      std::int64_t msg[3];
      e_.comm_.recv(st->source(), kReq, msg, 3);
      const int w = st->source();
      busy_[static_cast<std::size_t>(w)] = false;
      if (msg[0] >= 0) note_done(msg[0], msg[2]);
      if (msg[1] & kFlagSignal) {
        if (!e_.stop_) spdlog::warn("rank {} received a stop signal: stopping every rank", w);
        e_.request_stop();
        broadcast_stop_soon();
      }
      std::int64_t reply = kStopNow;
      if (!(msg[1] & kFlagStopping)) {
        check_walltime();
        if (const auto idx = next_task()) reply = *idx;
      }
      e_.comm_.send(w, kCmd, reply);
      e_.event(fmt::format("\"event\":\"reply\",\"to\":{},\"finished\":{},\"flags\":{},\"reply\":{},\"left\":{}",
                           w, msg[0], msg[1], reply, left_ + (reply == kStopNow ? 1 : 0)));
      if (reply == kStopNow) ++left_;
      else {
        busy_[static_cast<std::size_t>(w)] = true;
        told_[w] = false;
      }
    }
  }

  void progress(bool final) {
    const auto now = Clock::now();
    if (!final && std::chrono::duration<double>(now - last_progress_).count() < e_.opt_.progress_seconds) return;
    last_progress_ = now;
    const double el = std::chrono::duration<double>(now - start_).count();
    const double rate = el > 0 ? done_now_ / el * 3600.0 : 0.0;
    const std::int64_t running = in_flight_ + std::count(busy_.begin(), busy_.end(), true);
    // The cost model's estimate of the tasks not yet committed, calibrated on
    // the committed ones, as `memphase status` computes it. (The throughput of
    // this session is no ETA: tasks run longest first.)
    const double eta = calibrated_eta(remaining_.seconds(), remaining_.longest(), speed_factor(), e_.comm_.size());
    fmt::print("[progress] {}/{} done ({:.1f}%), {} in flight, {:.0f} networks/h, elapsed {}, ETA {} "
               "(cost model x {:.3g})\n",
               done_, total_, 100.0 * done_ / std::max<std::int64_t>(1, total_), running, rate,
               fmt_duration(el), fmt_duration(eta), speed_factor());
    std::fflush(stdout);
    e_.event(fmt::format("\"event\":\"progress\",\"done\":{},\"total\":{},\"per_hour\":{:.1f}", done_,
                         total_, rate));
  }

  Engine& e_;
  std::deque<std::int64_t> queue_;
  std::int64_t done_ = 0, done_now_ = 0, total_ = 0, in_flight_ = 0, deferred_ = 0;
  std::vector<bool> busy_;
  std::map<int, bool> told_;
  int left_ = 0;
  Clock::time_point start_, last_progress_{};
  double deadline_s_ = 0;
  CostCalibration calib_;    ///< real / estimated training time of committed tasks
  RemainingWork remaining_;  ///< estimates of the tasks not yet committed
};

// ---------------------------------------------------------------- workers
void worker_loop(Engine& e) {
  std::int64_t finished = -1;
  for (;;) {
    std::int64_t flags = 0;
    if (e.stop_requested()) flags |= kFlagStopping;
    if (g_signal.load() != 0) flags |= kFlagSignal;
    const std::int64_t msg[3] = {finished, flags, finished >= 0 ? e.last_train_ms_ : 0};
    e.comm_.send(0, kReq, msg, 3);
    std::int64_t cmd = kStopSoon;
    while (cmd == kStopSoon) {  // a stop notice that crossed our request
      e.comm_.recv(0, kCmd, cmd);
      e.event(fmt::format("\"event\":\"command\",\"cmd\":{}", cmd));
      if (cmd == kStopSoon) e.request_stop();
    }
    if (cmd == kStopNow) return;
    finished = -1;
    const bool committed = e.train_task(cmd, [&e] {
      if (e.comm_.iprobe(0, kCmd)) {
        std::int64_t c = 0;
        e.comm_.recv(0, kCmd, c);  // only kStopSoon can arrive while we train
        e.event(fmt::format("\"event\":\"command\",\"cmd\":{},\"while\":\"training\"", c));
        e.request_stop();
      }
    });
    if (committed) finished = cmd;
  }
}

}  // namespace

int run_campaign(const mpi::communicator& comm, const RunOptions& opt) {
  // Before anything slow (validation of 10^5 tasks, the run directory): a
  // stop request that arrives while the job starts is kept, not fatal.
  install_stop_signal_handlers();
  fault_set_rank(comm.rank());
  // 1. Every rank parses and validates the campaign; all agree on failure.
  Campaign c;
  {
    std::optional<std::string> err;
    int type = 1;
    try {
      // Every rank also checks the memory of every task (the limit is this
      // node's), so that an absurd size fails here, on every rank alike.
      c = load_campaign(opt.campaign_path, task_memory_check(opt.max_task_memory));
    } catch (const std::exception& ex) {
      err = ex.what();
      type = error_type(ex);
    }
    agree(comm, err, type);
  }
  RunPaths p{opt.out_dir};
  // 2. Rank 0 locks and prepares the directory; the others learn the outcome.
  std::unique_ptr<RunLock> lock;
  std::int64_t session = 0;
  JournalIndex idx;
  {
    std::optional<std::string> err;
    int type = 2;
    if (comm.rank() == 0) {
      try {
        if (std::filesystem::exists(p.dir) && !std::filesystem::is_directory(p.dir))
          throw ConfigError(fmt::format("--out {}: is a file, not a directory", p.dir));
        make_dirs(p.dir);
        lock = std::make_unique<RunLock>(p.dir);
        session = prepare_run_dir(p, c, opt.extend, opt.ignore_version);
        // Through the journal indexes (and rebuild those that are not
        // current: we hold the lock, and this session's journals do not
        // exist yet).
        idx = index_journals(p, {.summarize = true, .repair = true});
        fault_point("prepare");
      } catch (const std::exception& ex) {
        err = ex.what();
        type = error_type(ex);
      }
    }
    agree(comm, err, type);
  }
  mpi::broadcast(comm, session, 0);

  Engine engine(comm, opt, c, p, session);
  std::int64_t done_before = 0;
  try {
    if (comm.rank() == 0) {
      for (const auto& w : idx.warnings) spdlog::warn("{}", w);
      std::vector<std::int64_t> pending;
      CostCalibration calibration;  // on the tasks committed before this session
      for (const auto& t : c.tasks) {
        const auto it = idx.committed.find(t.key);
        if (it == idx.committed.end()) {
          pending.push_back(t.index);
          continue;
        }
        ++done_before;
        if (it->second.summarized) calibration.add(task_seconds(t.spec), it->second.summary.train_seconds);
      }
      // Longest first; ties by grid order so the schedule is reproducible.
      // (Costs computed once: at 10^5 tasks a cost per comparison took seconds.)
      std::vector<double> cost(c.tasks.size(), 0.0);
      for (const std::int64_t i : pending) cost[static_cast<std::size_t>(i)] = task_cost(c.tasks[static_cast<std::size_t>(i)].spec);
      std::stable_sort(pending.begin(), pending.end(), [&](std::int64_t a, std::int64_t b) {
        return cost[static_cast<std::size_t>(a)] > cost[static_cast<std::size_t>(b)];
      });
      double deadline = opt.walltime;
      if (const double slurm = slurm_seconds_left(); slurm > 0 && (deadline <= 0 || slurm < deadline))
        deadline = slurm;
      fmt::print("memphase run: campaign '{}' ({}), {} tasks: {} committed, {} pending; {} ranks; "
                 "session {} in {}\n",
                 c.name, c.hash, c.tasks.size(), done_before, pending.size(), comm.size(), session, p.dir);
      std::fflush(stdout);
      engine.event(fmt::format("\"event\":\"run_start\",\"tasks\":{},\"committed\":{},\"ranks\":{}",
                               c.tasks.size(), done_before, comm.size()));
      Master m(engine, std::deque<std::int64_t>(pending.begin(), pending.end()), done_before, deadline, calibration);
      m.run();
    } else {
      worker_loop(engine);
    }
  } catch (const std::exception& ex) {
    // Nothing committed is lost (journals are fsync'd per record); abort
    // every rank so the job never hangs on a collective.
    fmt::print(stderr,
               "memphase run: rank {}: error: {}\nCommitted results in {} are safe; fix the cause "
               "and resume with the same command.\n",
               comm.rank(), ex.what(), p.dir);
    std::fflush(stderr);
    engine.event(fmt::format("\"event\":\"error\",\"what\":\"{}\"", ex.what()));
    comm.abort(error_type(ex) == 3 ? 3 : 1);
  }
  comm.barrier();

  // 3. Complete? Then gather (collective).
  int complete = 0;
  std::int64_t committed = 0;
  if (comm.rank() == 0) {
    const JournalIndex after = index_journals(p);
    for (const auto& t : c.tasks) committed += after.committed.count(t.key) ? 1 : 0;
    complete = committed == static_cast<std::int64_t>(c.tasks.size()) ? 1 : 0;
    if (after.duplicates > 0)
      spdlog::error("{} task(s) were committed more than once (journals): please report this", after.duplicates);
  }
  mpi::broadcast(comm, complete, 0);
  if (complete && opt.gather) {
    gather_campaign(comm, p, c);
  }
  if (comm.rank() == 0) {
    if (complete) {
      fmt::print("memphase run: all {} tasks done{}\n", c.tasks.size(),
                 opt.gather ? fmt::format("; wrote {}", p.output()) : std::string());
    } else {
      const int sig = g_signal.load();
      fmt::print("memphase run: stopped{} with {}/{} tasks committed; in-flight tasks are "
                 "checkpointed. Resume with the same command:\n  mpirun -np {} memphase run {} --out {}\n",
                 sig ? fmt::format(" on signal {}", sig) : std::string(), committed, c.tasks.size(),
                 comm.size(), opt.campaign_path, p.dir);
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace memphase
