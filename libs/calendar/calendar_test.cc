#include "calendar/calendar.h"

#include <gtest/gtest.h>

namespace zs::calendar {
namespace {

CivilDate D(const char* s) { return *ParseDate(s); }

class CalendarTest : public ::testing::Test {
 protected:
  // The shipped data, as a user of the services gets it.
  WorkCalendar cal_ = *WorkCalendar::LoadDir(std::string(ZS_SOURCE_DIR) + "/deploy/calendar");
};

TEST_F(CalendarTest, LoadsTheShippedYears) {
  EXPECT_TRUE(cal_.Covers(2026));
  EXPECT_TRUE(cal_.Covers(2027));
  EXPECT_FALSE(cal_.Provisional(2026));
  EXPECT_TRUE(cal_.Provisional(2027));
  EXPECT_FALSE(cal_.Covers(2028));
}

TEST_F(CalendarTest, SpringFestival2026WithMakeUpDays) {
  // 2026-02-14 is a Saturday worked in exchange (调休上班); 15th to 23rd are off; 28th (Sat)
  // worked.
  EXPECT_EQ(Weekday(D("2026-02-14")), 6);
  EXPECT_TRUE(cal_.IsWorkingDay(D("2026-02-13")));
  EXPECT_TRUE(cal_.IsWorkingDay(D("2026-02-14")));
  for (const char* off : {"2026-02-15", "2026-02-16", "2026-02-20", "2026-02-23"}) {
    EXPECT_FALSE(cal_.IsWorkingDay(D(off))) << off;
  }
  EXPECT_TRUE(cal_.IsWorkingDay(D("2026-02-24")));
  EXPECT_TRUE(cal_.IsWorkingDay(D("2026-02-28")));
  EXPECT_FALSE(cal_.IsWorkingDay(D("2026-03-01")));  // an ordinary Sunday
  EXPECT_EQ(cal_.NameOf(D("2026-02-18")), "春节");

  // "3 working days after Thursday 12 February": Fri 13, Sat 14 (make-up), Tue 24.
  EXPECT_EQ(FormatDate(cal_.AddWorkingDays(D("2026-02-12"), 3)), "2026-02-24");
  EXPECT_EQ(FormatDate(cal_.AddWorkingDays(D("2026-02-14"), 1)), "2026-02-24");
  EXPECT_EQ(FormatDate(cal_.AddWorkingDays(D("2026-02-12"), 0)), "2026-02-12");
  // Working days from Thu 12th to Sat 28th: 13, 14, 24, 25, 26, 27, 28.
  EXPECT_EQ(cal_.WorkingDaysBetween(D("2026-02-12"), D("2026-02-28")), 7);
  EXPECT_EQ(cal_.WorkingDaysBetween(D("2026-02-28"), D("2026-02-12")), 0);
  EXPECT_EQ(FormatDate(cal_.NextWorkingDay(D("2026-02-15"))), "2026-02-24");
}

TEST_F(CalendarTest, NationalDayAndItsMakeUpSunday) {
  EXPECT_TRUE(cal_.IsWorkingDay(D("2026-09-20")));  // a Sunday, worked
  EXPECT_FALSE(cal_.IsWorkingDay(D("2026-10-05")));
  EXPECT_TRUE(cal_.IsWorkingDay(D("2026-10-10")));  // a Saturday, worked
  // 5 working days after Wednesday 30 September: Oct 8, 9, 10, 12, 13.
  EXPECT_EQ(FormatDate(cal_.AddWorkingDays(D("2026-09-30"), 5)), "2026-10-13");
}

TEST_F(CalendarTest, AcrossTheYearBoundary) {
  // 2026-12-31 is a Thursday; 2027-01-01 is a (provisional) holiday; then the weekend.
  EXPECT_EQ(FormatDate(cal_.AddWorkingDays(D("2026-12-31"), 1)), "2027-01-04");
}

TEST_F(CalendarTest, YearsWithoutDataFallBackToWeekends) {
  EXPECT_TRUE(cal_.IsWorkingDay(D("2028-10-02")));  // a Monday; no 2028 data
  EXPECT_FALSE(cal_.IsWorkingDay(D("2028-10-07")));
}

TEST(CalendarParse, BadDataNamesTheEntry) {
  auto bad = WorkCalendar::Parse({{"x.yaml",
                                   "year: 2026\nstatus: official\nholidays:\n"
                                   "  - {from: 2026-02-15, to: 2026-02-31}\n"}});
  EXPECT_NE(bad.status().message().find("x.yaml: holidays[0].to"), std::string::npos)
      << bad.status();
  auto weekday = WorkCalendar::Parse({{"y.yaml",
                                       "year: 2026\nstatus: official\nworkdays:\n"
                                       "  - {date: 2026-02-13}\n"}});
  EXPECT_NE(weekday.status().message().find("weekday already"), std::string::npos);
  auto other_year = WorkCalendar::Parse({{"z.yaml",
                                          "year: 2026\nstatus: official\nholidays:\n"
                                          "  - {from: 2025-12-31, to: 2025-12-31}\n"}});
  EXPECT_FALSE(other_year.ok());
  auto twice = WorkCalendar::Parse(
      {{"a.yaml", "year: 2026\nstatus: official\n"}, {"b.yaml", "year: 2026\nstatus: official\n"}});
  EXPECT_FALSE(twice.ok());
}

}  // namespace
}  // namespace zs::calendar
