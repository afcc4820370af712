#include "config/config.h"

#include <gtest/gtest.h>

#include <map>

namespace zs::config {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Config, ReadsFileValuesAndDefaults) {
  auto c = Config::LoadString("grpc:\n  listen: 0.0.0.0:7101\nrelay:\n  batch: 64\n", Env({}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->String("grpc.listen", "x"), "0.0.0.0:7101");
  EXPECT_EQ(c->Int("relay.batch", 1, 1, 1000), 64);
  EXPECT_EQ(c->Int("relay.other", 7, 1, 1000), 7);
  EXPECT_TRUE(c->Finish().ok());
}

TEST(Config, EnvironmentOverridesTheFile) {
  auto c = Config::LoadString("grpc:\n  listen: a:1\n", Env({{"ZS_GRPC_LISTEN", "b:2"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->String("grpc.listen", ""), "b:2");
}

TEST(Config, MalformedValueNamesTheKey) {
  auto c = Config::LoadString("relay:\n  batch: lots\n", Env({}));
  ASSERT_TRUE(c.ok());
  c->Int("relay.batch", 1, 1, 1000);
  const auto s = c->Finish();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("relay.batch"), std::string::npos) << s;
}

TEST(Config, OutOfRangeAndBadDurationNameTheirKeys) {
  auto c = Config::LoadString("a: 0\nb: 5 parsecs\n", Env({}));
  ASSERT_TRUE(c.ok());
  c->Int("a", 1, 1, 10);
  c->Duration("b", std::chrono::milliseconds(1));
  const std::string msg(c->Finish().message());
  EXPECT_NE(msg.find("a: 0 is out of range"), std::string::npos) << msg;
  EXPECT_NE(msg.find("b: expected a duration"), std::string::npos) << msg;
}

TEST(Config, UnknownKeyIsReported) {
  auto c = Config::LoadString("grpc:\n  lisen: a:1\n", Env({}));
  ASSERT_TRUE(c.ok());
  c->String("grpc.listen", "");
  const std::string msg(c->Finish().message());
  EXPECT_NE(msg.find("grpc.lisen: unknown key"), std::string::npos) << msg;
}

TEST(Config, MissingFileIsAnError) {
  auto c = Config::LoadFile("/nonexistent/zs.yaml", Env({}));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("/nonexistent/zs.yaml"), std::string::npos);
}

TEST(ParseDuration, Units) {
  EXPECT_EQ(ParseDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(ParseDuration("5s"), std::chrono::milliseconds(5000));
  EXPECT_EQ(ParseDuration("2m"), std::chrono::milliseconds(120000));
  EXPECT_FALSE(ParseDuration("s"));
  EXPECT_FALSE(ParseDuration("5 days"));
}

}  // namespace
}  // namespace zs::config
