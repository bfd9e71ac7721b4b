#include "data/mnist_json.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"

namespace memphase {

ImageSet load_mnist_json_digit(const std::filesystem::path& file, int digit) {
  constexpr int side = 28;
  constexpr std::size_t m = side * side;
  const std::string where = file.string();
  std::ifstream is(file, std::ios::binary);
  if (!is) throw IoError(fmt::format("{}: cannot open", where));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(is);
  } catch (const nlohmann::json::parse_error& e) {
    throw IoError(fmt::format("{}: not valid JSON ({})", where, e.what()));
  }
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array())
    throw IoError(
        fmt::format("{}: expected an object {{\"data\": [...]}}, found {}", where, j.type_name()));
  const auto& data = j["data"];
  if (data.size() % m != 0)
    throw IoError(fmt::format("{}: \"data\" has {} values, not a multiple of {} (28×28)", where,
                              data.size(), m));
  ImageSet s;
  s.rows = side;
  s.cols = side;
  s.pixels.reserve(data.size());
  for (std::size_t k = 0; k < data.size(); ++k) {
    const auto& v = data[k];
    const double x = v.is_number() ? v.get<double>() : -1.0;
    if (!(x >= 0.0 && x <= 1.0))
      throw IoError(
          fmt::format("{}: data[{}] must be a number in [0, 1] (got {})", where, k, v.dump()));
    s.pixels.push_back(float(x));
  }
  s.labels.assign(data.size() / m, std::uint8_t(digit));
  return s;
}

ImageSet load_mnist_json(const std::filesystem::path& package_dir) {
  ImageSet all;
  all.rows = 28;
  all.cols = 28;
  for (int d = 0; d < 10; ++d) {
    ImageSet s =
        load_mnist_json_digit(package_dir / "src" / "digits" / (std::to_string(d) + ".json"), d);
    all.pixels.insert(all.pixels.end(), s.pixels.begin(), s.pixels.end());
    all.labels.insert(all.labels.end(), s.labels.begin(), s.labels.end());
  }
  return all;
}

}  // namespace memphase
