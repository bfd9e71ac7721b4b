#include "io/campaign_reader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>

#include "core/error.hpp"
#include "config/campaign.hpp"
#include "config/train_config.hpp"
#include "families/registry.hpp"
#include "io/campaign_file.hpp"

namespace memphase {

namespace {

using detail::H5File;

/// "(a, b, c)" for messages.
std::string shape_string(const std::vector<hsize_t>& dims) {
  return fmt::format("({})", fmt::join(dims, ", "));
}

/// Reads row k of a weight dataset of shape (T, R, C), or (T, R) for a
/// vector, into an rows×cols matrix: m(i, j) = W[k, i, j]. R and C may exceed
/// rows and cols (campaign files NaN-pad to the largest N).
Mat<float> read_weight(const H5File& f, const std::string& name, hsize_t k, Eigen::Index rows,
                       Eigen::Index cols, bool vector) {
  const std::vector<hsize_t> dims = f.shape(name);
  const std::size_t rank = vector ? 2 : 3;
  const hsize_t stored_cols = vector ? 1 : (dims.size() == 3 ? dims[2] : 0);
  if (dims.size() != rank || dims[1] < static_cast<hsize_t>(rows) ||
      stored_cols < static_cast<hsize_t>(cols))
    throw IoError(fmt::format("{}: {} has shape {}, expected (n_tasks, {}{}) or larger", f.path(),
                              name, shape_string(dims), rows,
                              vector ? std::string() : fmt::format(", {}", cols)));
  const std::vector<float> buf = f.read_rows<float>(name, k, 1);
  Mat<float> m(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i)
    for (Eigen::Index j = 0; j < cols; ++j)
      m(i, j) = buf[static_cast<std::size_t>(i) * stored_cols + static_cast<std::size_t>(j)];
  return m;
}

/// Reads /weights/<which>/... of row k into the dense slots of `schema` for
/// N = n; empty parameters when the group is absent (a campaign written
/// without initial or final weights).
Params<float> read_params(const H5File& f, const std::string& which, hsize_t k, int n, const OutputSchema& schema) {
  Params<float> p;
  const std::string g = "/weights/" + which + "/";
  if (schema.dense.empty() || !f.exists("/weights/" + which)) return p;
  std::size_t slot = 0;
  p.for_each([&](const char*, auto& m) {
    if (slot >= schema.dense.size()) return;
    const DenseTensor& d = schema.dense[slot++];
    const Mat<float> v = read_weight(f, g + d.name, k, dense_extent(d.rows, n), d.vector ? 1 : dense_extent(d.cols, n),
                                     d.vector);
    m = v;
  });
  return p;
}

template <class T>
std::vector<T> column(const H5File& f, const char* name, std::int64_t rows) {
  const std::vector<hsize_t> dims = f.shape(name);
  if (dims.size() != 1 || dims[0] != static_cast<hsize_t>(rows))
    throw IoError(fmt::format("{}: {} has shape {}, expected ({}) (n_tasks)", f.path(), name,
                              shape_string(dims), rows));
  return f.read_rows<T>(name, 0, static_cast<hsize_t>(rows));
}

}  // namespace

CampaignFileReader::CampaignFileReader(const std::string& path) : file_(H5File::open_read(path)) {
  const std::int64_t version = file_.read_attr_int("schema_version");
  if (version != kCampaignSchemaVersion)
    throw IoError(fmt::format("{}: schema_version {} is not supported (this memphase reads {})",
                              path, version, kCampaignSchemaVersion));
  rows_ = file_.read_attr_int("n_tasks");
  if (rows_ < 0) throw IoError(fmt::format("{}: n_tasks is {}, expected >= 0", path, rows_));
}

TaskSpec CampaignFileReader::base_spec() const {
  if (base_) return *base_;
  const Provenance p = provenance();
  const std::string family = attr("family");
  try {
    base_ = family.empty() ? parse_train_config(p.config_yaml, path() + " (attribute config_yaml)")
                           : parse_campaign(p.config_yaml, path() + " (attribute config_yaml)").base;
  } catch (const ConfigError&) {
    // A file whose provenance does not parse (hand-written, or of a newer
    // memphase): its preset's defaults, or the default network's.
    const Family* f = family_of_preset(family);
    base_ = f ? f->make(family) : families().front()->make(families().front()->presets().front().name);
  }
  return *base_;
}

Provenance CampaignFileReader::provenance() const {
  Provenance p;
  p.config_yaml = file_.read_attr_string("config_yaml");
  p.config_hash = file_.read_attr_string("config_hash");
  p.code_version = file_.read_attr_string("code_version");
  p.command = file_.read_attr_string("command");
  return p;
}

std::string CampaignFileReader::attr(const std::string& name) const {
  return file_.has_attr(name) ? file_.read_attr_string(name) : std::string();
}

CampaignColumns CampaignFileReader::columns() const {
  CampaignColumns c;
  const H5File& f = file_;
  c.key = column<std::uint64_t>(f, "/tasks/key", rows_);
  c.done = column<std::int8_t>(f, "/tasks/done", rows_);
  c.status = column<std::int8_t>(f, "/tasks/status", rows_);
  c.net_class = column<std::int8_t>(f, "/tasks/class", rows_);
  c.learned = column<std::int8_t>(f, "/tasks/learned", rows_);
  c.psd_ratio = column<double>(f, "/tasks/psd_ratio", rows_);
  c.lr = column<double>(f, "/grid/lr", rows_);
  c.delay = column<double>(f, "/grid/delay", rows_);
  c.response = column<double>(f, "/grid/response", rows_);
  c.seed = column<std::int64_t>(f, "/grid/seed", rows_);
  c.n = column<std::int64_t>(f, "/grid/n", rows_);
  for (std::int64_t k = 0; k < rows_; ++k) {
    const auto i = static_cast<std::size_t>(k);
    if (c.done[i] != 0 && c.done[i] != 1)
      throw IoError(fmt::format("{}: /tasks/done[{}] is {}, expected 0 or 1", f.path(), k, c.done[i]));
    if (c.done[i] == 0) continue;
    if (c.status[i] < 0 || c.status[i] > 2)
      throw IoError(fmt::format(
          "{}: /tasks/status[{}] is {}, expected 0 (done), 1 (diverged) or 2 (aborted)", f.path(), k,
          c.status[i]));
    if (c.net_class[i] < 0 || c.net_class[i] > 3)
      throw IoError(fmt::format(
          "{}: /tasks/class[{}] is {}, expected 0 (fail), 1 (LC), 2 (SP) or 3 (unstable)", f.path(),
          k, c.net_class[i]));
  }
  return c;
}

TaskResult CampaignFileReader::row(std::int64_t k, std::vector<std::int64_t>* epochs) const {
  const H5File& f = file_;
  const std::string& path = f.path();
  if (k < 0 || k >= rows_)
    throw IoError(fmt::format("{}: task row {} does not exist (n_tasks = {})", path, k, rows_));
  const auto row = static_cast<hsize_t>(k);
  TaskResult r;
  auto f64 = [&](const char* name) { return f.read_value<double>(name, row); };
  auto i64 = [&](const char* name) { return f.read_value<std::int64_t>(name, row); };
  auto i8 = [&](const char* name) { return static_cast<int>(f.read_value<std::int8_t>(name, row)); };

  // The spec: the file's base spec (config_yaml) with the row's grid values.
  r.spec = base_spec();
  const OutputSchema& schema = r.spec.family->schema();
  for (const GridColumn& g : schema.grid) {
    if (!f.exists("/grid/" + g.name)) continue;
    if (!g.integer) {
      g.set(r.spec, f64(("/grid/" + g.name).c_str()));
      continue;
    }
    const std::int64_t v = i64(("/grid/" + g.name).c_str());
    if (g.name == "n" && (v < 1 || v > std::numeric_limits<int>::max()))
      throw IoError(fmt::format("{}: /grid/n[{}] is {}, expected a positive int", path, k, v));
    g.set(r.spec, static_cast<double>(v));
  }
  for (const AxisInfo& a : r.spec.family->axes()) {
    const bool column = std::any_of(schema.grid.begin(), schema.grid.end(),
                                    [&](const GridColumn& g) { return g.name == a.name; });
    if (!column && f.exists("/grid/" + std::string(a.name)))
      r.spec.family->set_axis(r.spec, a.name, f64(("/grid/" + std::string(a.name)).c_str()));
  }
  const int n = schema.dense.empty() ? 0 : schema.dense_units(r.spec);

  const int status = i8("/tasks/status");
  if (status == -1)
    throw IoError(fmt::format("{}: task row {} is not done (/tasks/status[{}] = -1)", path, k, k));
  if (status < 0 || status > 2)
    throw IoError(fmt::format(
        "{}: /tasks/status[{}] is {}, expected 0 (done), 1 (diverged) or 2 (aborted)", path, k,
        status));
  const int cls = i8("/tasks/class");
  if (cls < 0 || cls > 3)
    throw IoError(fmt::format(
        "{}: /tasks/class[{}] is {}, expected 0 (fail), 1 (LC), 2 (SP) or 3 (unstable)", path, k,
        cls));
  r.status = static_cast<Status>(status);
  r.cls.net_class = static_cast<NetClass>(cls);
  r.cls.learned = i8("/tasks/learned") != 0;
  r.cls.stable = i8("/tasks/stable") != 0;
  r.cls.psd_ratio = f64("/tasks/psd_ratio");
  r.epochs_planned = i64("/tasks/epochs_planned");
  r.epochs_run = i64("/tasks/epochs_run");
  r.train_seconds = f64("/tasks/train_seconds");

  r.initial = read_params(f, "initial", row, n, schema);
  r.final = read_params(f, "final", row, n, schema);

  // Curves of row k: [offset[k], offset[k+1]) of the flat arrays.
  const std::vector<std::int64_t> off = f.read_rows<std::int64_t>("/curves/offset", row, 2);
  const std::vector<hsize_t> len = f.shape("/curves/loss");
  if (len.size() != 1 || off[0] < 0 || off[1] < off[0] || static_cast<hsize_t>(off[1]) > len[0])
    throw IoError(
        fmt::format("{}: /curves/offset[{}:{}] = [{}, {}] does not slice /curves/loss of shape {}",
                    path, k, k + 2, off[0], off[1], shape_string(len)));
  const auto a = static_cast<hsize_t>(off[0]), m = static_cast<hsize_t>(off[1] - off[0]);
  r.curves.loss = f.read_rows<float>("/curves/loss", a, m);
  r.curves.accuracy = f.read_rows<float>("/curves/accuracy", a, m);
  r.curves.reliability = f.read_rows<float>("/curves/reliability", a, m);
  r.curves.grad_norm = f.read_rows<float>("/curves/grad_norm", a, m);
  if (epochs) *epochs = f.read_rows<std::int64_t>("/curves/epoch", a, m);
  if (f.exists("/metrics") || f.exists("/tables") || f.exists("/params")) r.extras = all_extras(true)[row];
  return r;
}

namespace {

/// Reads a ragged dataset's offset (rows + 1) and checks it slices `len` values.
std::vector<std::int64_t> ragged_offset(const H5File& f, const std::string& name, std::int64_t rows,
                                        hsize_t len) {
  std::vector<std::int64_t> off = column<std::int64_t>(f, name.c_str(), rows + 1);
  for (std::int64_t k = 0; k < rows; ++k) {
    const auto i = static_cast<std::size_t>(k);
    if (off[i] < 0 || off[i + 1] < off[i] || static_cast<hsize_t>(off[i + 1]) > len)
      throw IoError(fmt::format("{}: {}[{}:{}] = [{}, {}] does not slice {} values", f.path(), name, k, k + 2,
                                off[i], off[i + 1], len));
  }
  return off;
}

}  // namespace

std::vector<Extras> CampaignFileReader::all_extras(bool params) const {
  const H5File& f = file_;
  std::vector<Extras> out(static_cast<std::size_t>(rows_));
  const std::vector<std::int8_t> done = column<std::int8_t>(f, "/tasks/done", rows_);
  for (const std::string& m : f.list("/metrics")) {
    const std::vector<double> v = column<double>(f, ("/metrics/" + m).c_str(), rows_);
    for (std::size_t k = 0; k < out.size(); ++k)
      if (done[k] == 1 && !std::isnan(v[k])) out[k].metrics.emplace_back(m, v[k]);
  }
  for (const std::string& t : f.list("/tables")) {
    const std::string g = "/tables/" + t;
    const std::string cols = f.read_attr_string("columns", g);
    const std::vector<std::string> columns = split_columns(cols);
    const std::vector<hsize_t> dims = f.shape(g + "/data");
    if (dims.size() != 2 || dims[1] != columns.size())
      throw IoError(fmt::format("{}: {}/data has shape {}, expected (rows, {}) for columns [{}]", f.path(), g,
                                shape_string(dims), columns.size(), cols));
    const std::vector<std::int64_t> off = ragged_offset(f, g + "/offset", rows_, dims[0]);
    const std::vector<double> data = dims[0] ? f.read_rows<double>(g + "/data", 0, dims[0]) : std::vector<double>{};
    for (std::size_t k = 0; k < out.size(); ++k) {
      if (off[k + 1] == off[k]) continue;
      Table tb{t, columns, {}};
      tb.data.assign(data.begin() + off[k] * static_cast<std::int64_t>(columns.size()),
                     data.begin() + off[k + 1] * static_cast<std::int64_t>(columns.size()));
      out[k].tables.push_back(std::move(tb));
    }
  }
  if (params && f.exists("/params/offset")) {
    for (const char* which : {"initial", "final"}) {
      const std::string name = std::string("/params/") + which;
      if (!f.exists(name)) continue;
      const std::vector<hsize_t> dims = f.shape(name);
      if (dims.size() != 1) throw IoError(fmt::format("{}: {} is not 1-D", f.path(), name));
      const std::vector<std::int64_t> off = ragged_offset(f, "/params/offset", rows_, dims[0]);
      const std::vector<float> v = dims[0] ? f.read_rows<float>(name, 0, dims[0]) : std::vector<float>{};
      for (std::size_t k = 0; k < out.size(); ++k)
        (which[0] == 'i' ? out[k].initial : out[k].final).assign(v.begin() + off[k], v.begin() + off[k + 1]);
    }
  }
  return out;
}

}  // namespace memphase
