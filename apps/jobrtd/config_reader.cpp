#include "config_reader.hpp"

#include "jobctl/duration_arg.hpp"

#include "cli/decimal_arg.hpp"

namespace jobrtd {

void config_errors::add(std::string field, std::string detail) {
  if (!first_)
    first_ = jobrt::config_error{std::move(field), std::move(detail)};
}

jobrt::result<jobrt::duration, std::string>
parse_config_duration(std::string_view text) {
  constexpr auto shape = "must be a duration: a whole number and a unit "
                         "(500ms, 30s, 15m, 12h, 7d)";
  // Milliseconds are ours; s, m, h and d are jobctl's --older-than syntax.
  if (text.ends_with("ms")) {
    auto ms = jobrt::cli::parse_decimal_arg(
        "", text.substr(0, text.size() - 2),
        {0, static_cast<std::uint64_t>(jobrt::duration::max().count())});
    if (!ms)
      return std::string(shape);
    return jobrt::duration(static_cast<jobrt::duration::rep>(ms.value()));
  }
  auto d = jobctl::parse_duration_arg(text);
  if (!d)
    return std::string(shape);
  return d.value();
}

config_reader::config_reader(const toml::table& table, std::string path,
                             config_errors& errors)
  : table_(table), path_(std::move(path)), errors_(errors) {}

std::string config_reader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool config_reader::has(std::string_view key) const {
  return table_.contains(key);
}

void config_reader::fail(std::string_view key, std::string detail) {
  errors_.add(path_of(key), std::move(detail));
}

const toml::node* config_reader::take(std::string_view key) {
  read_.emplace(key);
  return table_.get(key);
}

void config_reader::read(std::string_view key, std::string& out) {
  if (auto* node = take(key)) {
    if (auto v = node->value<std::string>(); v && node->is_string())
      out = *v;
    else
      fail(key, "must be a string");
  }
}

void config_reader::read(std::string_view key, bool& out) {
  if (auto* node = take(key)) {
    if (node->is_boolean())
      out = node->as_boolean()->get();
    else
      fail(key, "must be true or false");
  }
}

void config_reader::read(std::string_view key, double& out) {
  if (auto* node = take(key)) {
    if (node->is_number())
      out = node->value<double>().value_or(out);
    else
      fail(key, "must be a number");
  }
}

void config_reader::read_integer(std::string_view key, std::int64_t& out,
                                 std::int64_t min, std::int64_t max) {
  auto* node = table_.get(key);
  if (!node->is_integer()) {
    fail(key, "must be an integer");
    return;
  }
  auto v = node->as_integer()->get();
  if (v < min || v > max) {
    fail(key, "must be " + std::to_string(min) + ".." + std::to_string(max));
    return;
  }
  out = v;
}

void config_reader::read(std::string_view key, std::int32_t& out,
                         std::int64_t min, std::int64_t max) {
  if (take(key)) {
    std::int64_t v = out;
    read_integer(key, v, min, max);
    out = static_cast<std::int32_t>(v);
  }
}

void config_reader::read(std::string_view key, std::size_t& out,
                         std::int64_t min, std::int64_t max) {
  if (take(key)) {
    auto v = static_cast<std::int64_t>(out);
    read_integer(key, v, min, max);
    out = static_cast<std::size_t>(v);
  }
}

void config_reader::read(std::string_view key, jobrt::duration& out) {
  if (auto* node = take(key)) {
    if (!node->is_string()) {
      fail(key, "must be a duration string such as \"30s\"");
      return;
    }
    auto d = parse_config_duration(node->as_string()->get());
    if (d)
      out = d.value();
    else
      fail(key, d.error());
  }
}

namespace {

/// The elements of an array node, or nullptr when it is not an array.
const toml::array* array_of(const toml::node* node) { return node->as_array(); }

} // namespace

void config_reader::read(std::string_view key, std::vector<std::string>& out) {
  if (auto* node = take(key)) {
    auto* items = array_of(node);
    if (!items) {
      fail(key, "must be an array of strings");
      return;
    }
    std::vector<std::string> values;
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto* s = items->get(i)->as_string();
      if (!s) {
        fail(std::string(key) + "[" + std::to_string(i) + "]", "must be a string");
        return;
      }
      values.push_back(s->get());
    }
    out = std::move(values);
  }
}

void config_reader::read(std::string_view key, std::vector<jobrt::duration>& out) {
  std::vector<std::string> texts;
  if (!has(key)) {
    take(key);
    return;
  }
  read(key, texts);
  if (errors_.any())
    return;
  std::vector<jobrt::duration> values;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto d = parse_config_duration(texts[i]);
    if (!d) {
      fail(std::string(key) + "[" + std::to_string(i) + "]", d.error());
      return;
    }
    values.push_back(d.value());
  }
  out = std::move(values);
}

void config_reader::read(std::string_view key, std::vector<int>& out) {
  if (auto* node = take(key)) {
    auto* items = array_of(node);
    if (!items) {
      fail(key, "must be an array of integers");
      return;
    }
    std::vector<int> values;
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto* n = items->get(i)->as_integer();
      if (!n || n->get() < 0 || n->get() > 255) {
        fail(std::string(key) + "[" + std::to_string(i) + "]", "must be 0..255");
        return;
      }
      values.push_back(static_cast<int>(n->get()));
    }
    out = std::move(values);
  }
}

std::optional<config_reader> config_reader::table(std::string_view key) {
  auto* node = take(key);
  if (!node)
    return std::nullopt;
  if (auto* t = node->as_table())
    return config_reader(*t, path_of(key), errors_);
  fail(key, "must be a table");
  return std::nullopt;
}

std::vector<config_reader> config_reader::tables(std::string_view key) {
  std::vector<config_reader> readers;
  auto* node = take(key);
  if (!node)
    return readers;
  auto* items = array_of(node);
  if (!items) {
    fail(key, "must be an array of tables ([[" + path_of(key) + "]])");
    return readers;
  }
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto element = std::string(key) + "[" + std::to_string(i) + "]";
    if (auto* t = items->get(i)->as_table())
      readers.emplace_back(*t, path_of(element), errors_);
    else
      fail(element, "must be a table");
  }
  return readers;
}

std::vector<std::string> config_reader::keys() {
  std::vector<std::string> names;
  for (const auto& [name, node] : table_) {
    names.emplace_back(name.str());
    read_.emplace(name.str());
  }
  return names;
}

void config_reader::finish() {
  for (const auto& [name, node] : table_)
    if (!read_.contains(name.str())) {
      fail(name.str(), "unknown key");
      return;
    }
}

} // namespace jobrtd
