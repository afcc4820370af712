#include "core/trace.h"

#include <gtest/gtest.h>

namespace zs::trace {
namespace {

TEST(TraceTest, NewIdsAreValidAndDistinct) {
  const std::string a = NewTraceId(), b = NewTraceId();
  EXPECT_TRUE(IsTraceId(a)) << a;
  EXPECT_NE(a, b);
  EXPECT_FALSE(IsTraceId("00000000000000000000000000000000"));
  EXPECT_FALSE(IsTraceId("4BF92F3577B34DA6A3CE929D0E0E4736"));  // upper case is not valid
  EXPECT_FALSE(IsTraceId("4bf92f3577b34da6a3ce929d0e0e473"));
}

TEST(TraceTest, ReadsTheW3CExampleAndRefusesMalformedHeaders) {
  EXPECT_EQ(FromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  // A later version may carry more fields after the flags.
  EXPECT_EQ(FromTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // forbidden version
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // extra in version 00
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
       }) {
    EXPECT_FALSE(FromTraceparent(bad).has_value()) << bad;
  }
}

TEST(TraceTest, AHeaderWeWriteIsOneWeRead) {
  const std::string id = NewTraceId();
  const std::string h = Traceparent(id);
  EXPECT_EQ(FromTraceparent(h), id) << h;
  EXPECT_NE(Traceparent(id), h);  // a new span each time
}

TEST(TraceTest, ScopesNestAndRestore) {
  EXPECT_EQ(CurrentTrace(), "");
  {
    ScopedTrace outer("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    EXPECT_EQ(CurrentTrace(), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    {
      ScopedTrace inner("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
      EXPECT_EQ(CurrentTrace(), "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
      ScopedTrace none("");  // keeps the ambient one
      EXPECT_EQ(CurrentTrace(), "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    }
    EXPECT_EQ(CurrentTrace(), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  }
  EXPECT_EQ(CurrentTrace(), "");
}

}  // namespace
}  // namespace zs::trace
