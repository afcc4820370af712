#include "logging/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/time_util.h"

namespace zs::logging {
namespace {

// Formats each record as one JSON object; the message is escaped by a real JSON writer.
class JsonFormatter final : public spdlog::formatter {
 public:
  explicit JsonFormatter(std::string service) : service_(std::move(service)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::json j;
    j["ts"] = FormatRfc3339(msg.time);
    j["level"] = std::string(spdlog::level::to_string_view(msg.level).data(),
                             spdlog::level::to_string_view(msg.level).size());
    j["service"] = service_;
    j["msg"] = std::string(msg.payload.data(), msg.payload.size());
    j["thread"] = msg.thread_id;
    const std::string line =
        j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>(service_);
  }

 private:
  std::string service_;
};

}  // namespace

absl::Status ParseFormat(const std::string& text, Format* out) {
  if (text == "human") {
    *out = Format::kHuman;
  } else if (text == "json") {
    *out = Format::kJson;
  } else {
    return absl::InvalidArgumentError("log format must be 'human' or 'json', got '" + text + "'");
  }
  return absl::OkStatus();
}

absl::Status Init(const std::string& service, Format format, const std::string& level) {
  const auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError("log level must be trace, debug, info, warn or error, got '" +
                                      level + "'");
  }
  auto logger =
      std::make_shared<spdlog::logger>(service, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (format == Format::kJson) {
    logger->set_formatter(std::make_unique<JsonFormatter>(service));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
  }
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return absl::OkStatus();
}

}  // namespace zs::logging
