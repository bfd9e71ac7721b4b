// memphase: MPI campaigns of small recurrent networks. Only main() decides how
// the process exits: 0 success, 1 unexpected failure, 2 bad input (config,
// flags, files), 3 I/O failure.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <string>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "core/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"memphase: train, run and analyse campaigns of small recurrent networks"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(memphase::code_version_string()));
  int exit_code = 0;
  memphase::app::add_train_command(app, exit_code);
  memphase::app::add_bench_command(app, exit_code);
  memphase::app::add_run_command(app, exit_code);
  memphase::app::add_gather_command(app, exit_code);
  memphase::app::add_status_command(app, exit_code);
  memphase::app::add_analyze_command(app, exit_code);
  memphase::app::add_plan_command(app, exit_code);
  spdlog::set_pattern("[%H:%M:%S.%e] [%l] %v");
  // A file-size limit (ulimit -f) must surface as a write error (EFBIG) with a
  // message, not kill the process silently.
  std::signal(SIGXFSZ, SIG_IGN);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const memphase::ConfigError& e) {
    fmt::print(stderr, "memphase: error: {}\n", e.what());
    return 2;
  } catch (const memphase::CampaignError& e) {
    fmt::print(stderr, "memphase: error: {}\n", e.what());
    return 2;
  } catch (const memphase::IoError& e) {
    fmt::print(stderr, "memphase: I/O error: {}\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    fmt::print(stderr, "memphase: unexpected error: {}\n", e.what());
    return 1;
  }
  return exit_code;
}
