#include "logging/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/time_util.h"
#include "core/trace.h"

namespace zs::logging {
namespace {

// The record being written by this thread through Log() (spdlog formats on the calling thread).
struct Structured {
  std::string_view msg;
  const Fields* fields = nullptr;
};
thread_local const Structured* structured = nullptr;

// " trace=<id>" after a human line written inside a trace.
class TraceFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string& id = trace::CurrentTrace();
    if (id.empty()) return;
    static constexpr std::string_view kKey = " trace=";
    dest.append(kKey.data(), kKey.data() + kKey.size());
    dest.append(id.data(), id.data() + id.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<TraceFlag>();
  }
};

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
    bool has_trace = false;
    if (structured != nullptr) {
      j["msg"] = std::string(structured->msg);
      for (const auto& [k, v] : *structured->fields) {
        if (v.empty()) continue;
        j[std::string(k)] = std::string(v);
        has_trace = has_trace || k == "trace_id";
      }
    } else {
      j["msg"] = std::string(msg.payload.data(), msg.payload.size());
    }
    if (!has_trace && !trace::CurrentTrace().empty()) j["trace_id"] = trace::CurrentTrace();
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
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<TraceFlag>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v%*");
    logger->set_formatter(std::move(formatter));
  }
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return absl::OkStatus();
}

void Log(spdlog::level::level_enum level, std::string_view msg, Fields fields) {
  auto logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  // The human line: the message, then key=value for each field (quoted when it has a space).
  std::string line(msg);
  for (const auto& [k, v] : fields) {
    if (v.empty() || (k == "trace_id" && v == trace::CurrentTrace())) continue;
    line.append(" ").append(k).append("=");
    if (v.find(' ') != std::string_view::npos) {
      line.append("\"").append(v).append("\"");
    } else {
      line.append(v);
    }
  }
  const Structured record{msg, &fields};
  structured = &record;
  logger->log(level, "{}", line);
  structured = nullptr;
}

}  // namespace zs::logging
