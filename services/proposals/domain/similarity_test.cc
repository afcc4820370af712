#include "domain/similarity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace zs::proposals {
namespace {

// Realistic proposals: two on drinking water in 清水塘 (the second reworded, a year later), and
// two on unrelated topics.
constexpr char kWaterTitle[] = "关于保障清水塘片区居民饮用水安全的建议";
constexpr char kWaterText[] =
    "清水塘片区部分小区供水管网老化，饮用水水质不稳定，夏季常有浑浊和异味。建议加快老旧供水管网"
    "改造，加强二次供水设施的清洗消毒和水质检测，定期公开水质信息，切实保障居民饮用水安全。";
constexpr char kWaterAgainTitle[] = "关于加快清水塘老旧小区供水管网改造保障饮用水安全的提案";
constexpr char kWaterAgainText[] =
    "清水塘一带老旧小区的供水管网使用年限长，水质时好时坏，居民反映自来水有异味。建议将清水塘片区"
    "供水管网改造列入年度计划，落实二次供水设施定期清洗消毒，加强水质检测并向社会公开，保障群众"
    "饮用水安全。";
constexpr char kParkingTitle[] = "关于缓解老城区停车难问题的建议";
constexpr char kParkingText[] =
    "老城区道路狭窄，停车位严重不足，车辆乱停乱放现象突出，早晚高峰拥堵严重。建议利用闲置地块"
    "建设立体停车场，推行错时共享停车，完善智慧停车诱导系统，加强违停治理。";
constexpr char kElderlyTitle[] = "关于加强社区居家养老服务的建议";
constexpr char kElderlyText[] =
    "我区老龄化程度不断加深，社区养老服务设施不足，助餐助浴等服务覆盖面小。建议统筹建设社区嵌入式"
    "养老服务中心，培育专业养老服务机构，落实运营补贴，满足老年人多样化养老需求。";

pb::Proposal P(const std::string& id, const std::string& session, int64_t created,
               const std::string& title, const std::string& content) {
  pb::Proposal p;
  p.set_id(id);
  p.set_session(session);
  p.set_kind(pb::PROPOSAL_KIND_NPC_SUGGESTION);
  p.set_state(pb::PROPOSAL_STATE_REGISTERED);
  p.set_number(static_cast<int>(created % 100));
  p.set_title(title);
  p.set_content(content);
  p.mutable_create_time()->set_seconds(created);
  return p;
}

TEST(NormalizeText, DropsPunctuationAndSpaceFoldsWidthAndCase) {
  EXPECT_EQ(NormalizeText("关于 清水塘、饮用水（安全）的“建议”。"), U"关于清水塘饮用水安全的建议");
  EXPECT_EQ(NormalizeText("《条例》【第三条】——“好”…·！？；：\u3000\t\r\n"), U"条例第三条好");
  // Full-width letters and digits are the ASCII ones; ASCII letters lower case; ASCII punctuation
  // and the half-width forms go.
  EXPECT_EQ(NormalizeText("ＰＭ２.５，Pm2.5! ｢x｣ a-b_c"), U"pm25pm25xabc");
  // 〇 is a number, not punctuation: kept.
  EXPECT_EQ(NormalizeText("二〇二五年〔2025〕"), U"二〇二五年2025");
  EXPECT_EQ(NormalizeText(""), U"");
}

TEST(NormalizeText, SkipsInvalidUtf8ByteByByte) {
  EXPECT_EQ(NormalizeText("清\x80水"), U"清水");      // stray continuation byte
  EXPECT_EQ(NormalizeText("清水\xe5\xa1"), U"清水");  // 塘 cut off at the end
  EXPECT_EQ(NormalizeText("\xe5\xa1清"), U"清");      // cut off, then a good one
  EXPECT_EQ(NormalizeText("a\xc0\xaf"
                          "b"),
            U"ab");                                             // overlong '/'
  EXPECT_EQ(NormalizeText("a\xed\xa0\x80z"), U"az");            // a UTF-16 surrogate
  EXPECT_EQ(NormalizeText("a\xf4\x90\x80\x80z"), U"az");        // above U+10FFFF
  EXPECT_EQ(NormalizeText("\xff\xfe\xf8"), U"");                // never valid
  EXPECT_EQ(NormalizeText(std::string("水\0源", 7)), U"水源");  // NUL is a control character
  EXPECT_EQ(NormalizeText("\xf0\x9f\x98\x80"), U"\U0001F600");  // a valid 4-byte one stays
}

TEST(NormalizeText, ArbitraryBytesNeverCrash) {
  // Deterministic pseudo-random byte strings, biased to UTF-8 lead and continuation bytes, cut at
  // every length: decoding must stay within the string and yield only valid code points.
  uint32_t state = 12345;
  for (int round = 0; round < 2000; ++round) {
    std::string bytes;
    const int len = round % 17;
    for (int k = 0; k < len; ++k) {
      state = state * 1664525u + 1013904223u;
      const uint32_t r = state >> 24;
      bytes.push_back(static_cast<char>(r % 3 == 0 ? 0x80 | (r & 0x3f) : r));
    }
    const std::u32string out = NormalizeText(bytes);
    EXPECT_LE(out.size(), bytes.size());
    for (char32_t c : out) {
      EXPECT_LE(c, char32_t{0x10ffff});
      EXPECT_FALSE(c >= 0xd800 && c <= 0xdfff);
    }
    (void)Similarity(ProfileOf(bytes, bytes), ProfileOf(kWaterTitle, bytes));
  }
}

TEST(ProfileOf, TitleBigramsCountDouble) {
  const Profile p = ProfileOf("清水塘", "清水");
  EXPECT_EQ(p.Weight(BigramKey(U'清', U'水')), 3);  // 2 from the title, 1 from the content
  EXPECT_EQ(p.Weight(BigramKey(U'水', U'塘')), 2);
  EXPECT_EQ(p.Weight(BigramKey(U'塘', U'清')), 0);  // no pair spans title and content
  EXPECT_EQ(p.terms.size(), 2u);
  EXPECT_EQ(p.sum_squares, 3 * 3 + 2 * 2);
}

TEST(ProfileOf, OneCharacterIsAUnigramAndNothingIsEmpty) {
  const Profile one = ProfileOf("水。", "");
  ASSERT_EQ(one.terms.size(), 1u);
  EXPECT_EQ(one.Weight(UnigramKey(U'水')), 2);
  EXPECT_NE(UnigramKey(U'水'), BigramKey(0, U'水'));
  EXPECT_DOUBLE_EQ(Similarity(one, ProfileOf("", "水")), 1.0);

  const Profile none = ProfileOf("。，  ", "\xff");
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(Similarity(none, none), 0.0);
  EXPECT_EQ(Similarity(none, ProfileOf(kWaterTitle, kWaterText)), 0.0);
}

TEST(Similarity, CosineOfBigramCounts) {
  // {ab, bc} against {ab, bd}: one shared bigram of two each, cos = 1 / (√2·√2).
  EXPECT_DOUBLE_EQ(Similarity(ProfileOf("", "abc"), ProfileOf("", "abd")), 0.5);
  // {ab:2} (title) + {ab:1} = {ab:3} against {ab:1, bc:1}: 3 / (3·√2).
  EXPECT_DOUBLE_EQ(Similarity(ProfileOf("ab", "ab"), ProfileOf("", "abc")), 1 / std::sqrt(2.0));
  EXPECT_EQ(Similarity(ProfileOf("", "abc"), ProfileOf("", "xyz")), 0.0);
}

TEST(Similarity, IdenticalTextIsOne) {
  const Profile a = ProfileOf(kWaterTitle, kWaterText);
  EXPECT_EQ(Similarity(a, a), 1.0);
  EXPECT_EQ(Similarity(a, ProfileOf(kWaterTitle, kWaterText)), 1.0);
}

TEST(Similarity, RewordedTopicAboveUnrelatedOnes) {
  const Profile water = ProfileOf(kWaterTitle, kWaterText);
  const double reworded = Similarity(water, ProfileOf(kWaterAgainTitle, kWaterAgainText));
  const double parking = Similarity(water, ProfileOf(kParkingTitle, kParkingText));
  const double elderly = Similarity(water, ProfileOf(kElderlyTitle, kElderlyText));
  EXPECT_GT(reworded, 0.35);  // the default threshold of recurring topics
  EXPECT_LT(parking, 0.15);   // only boilerplate like 关于 … 的建议 in common
  EXPECT_LT(elderly, 0.15);
  EXPECT_GT(reworded, 3 * std::max(parking, elderly));
  // Symmetric.
  EXPECT_DOUBLE_EQ(Similarity(ProfileOf(kParkingTitle, kParkingText), water), parking);
}

TEST(Similarity, PunctuationAndWhitespaceDoNotMatter) {
  const Profile plain = ProfileOf(kWaterTitle, kWaterText);
  // The same words, punctuated and spaced differently (ASCII, full-width, ideographic space).
  const Profile noisy = ProfileOf(
      "关于保障“清水塘”片区居民饮用水安全的建议！",
      "清水塘片区部分小区, 供水管网老化; 饮用水水质不稳定——夏季常有浑浊和异味……\n\n"
      "建议：加快老旧供水管网改造、加强二次供水设施的清洗消毒和水质检测；定期公开水质信息。"
      "\u3000切实保障居民饮用水安全 ! ");
  EXPECT_EQ(Similarity(plain, noisy), 1.0);
  const Profile again = ProfileOf(kWaterAgainTitle, kWaterAgainText);
  EXPECT_DOUBLE_EQ(Similarity(noisy, again), Similarity(plain, again));
}

TEST(SimilarPairs, EqualsSimilarityOfEveryPair) {
  const std::vector<Profile> ps = {ProfileOf(kWaterTitle, kWaterText),
                                   ProfileOf(kParkingTitle, kParkingText),
                                   ProfileOf(kWaterAgainTitle, kWaterAgainText),
                                   ProfileOf("", "xyz"),
                                   ProfileOf("", ""),
                                   ProfileOf(kElderlyTitle, kElderlyText),
                                   ProfileOf(kWaterTitle, kWaterText)};
  // Every pair that shares a term, in order, with exactly Similarity's score; "xyz" and the empty
  // profile share nothing with anyone.
  const auto all = SimilarPairs(ps, 0.0, nullptr);
  std::vector<std::pair<size_t, size_t>> expected;
  for (size_t a = 0; a < ps.size(); ++a) {
    for (size_t b = a + 1; b < ps.size(); ++b) {
      if (a != 3 && a != 4 && b != 3 && b != 4) expected.emplace_back(a, b);
    }
  }
  ASSERT_EQ(all.size(), expected.size());  // 10 pairs of the 5 texts
  for (size_t k = 0; k < all.size(); ++k) {
    EXPECT_EQ(std::make_pair(all[k].a, all[k].b), expected[k]);
    EXPECT_EQ(all[k].score, Similarity(ps[all[k].a], ps[all[k].b]));
  }
  // A threshold and a choice of pairs: water with water only, and not with its own copy.
  const auto water = SimilarPairs(ps, 0.35, [](size_t a, size_t b) { return b != 6; });
  ASSERT_EQ(water.size(), 1u);
  EXPECT_EQ(water[0].a, 0u);
  EXPECT_EQ(water[0].b, 2u);
  EXPECT_TRUE(SimilarPairs({}, 0.0, nullptr).empty());
}

class RankSimilarTest : public ::testing::Test {
 protected:
  // Sessions: 十七届二次 (2024), 十七届三次 (2025), 十七届四次 (2026).
  pb::Proposal target_ = P("p-target", "十七届三次", 2000, kWaterTitle, kWaterText);
  std::vector<pb::Proposal> candidates_ = {
      P("p-target", "十七届三次", 2000, kWaterTitle, kWaterText),  // itself
      P("p-2024-water", "十七届二次", 1000, kWaterAgainTitle, kWaterAgainText),
      P("p-2024-parking", "十七届二次", 1001, kParkingTitle, kParkingText),
      P("p-2025-elderly", "十七届三次", 1500, kElderlyTitle, kElderlyText),
      // Same session, entered after the target: compared (a duplicate for merging).
      P("p-2025-dup", "十七届三次", 2500, kWaterTitle, kWaterText),
      // A later session: never compared with an earlier proposal.
      P("p-2026-water", "十七届四次", 3000, kWaterTitle, kWaterText),
  };
};

TEST_F(RankSimilarTest, BestFirstWithoutItselfAndLaterSessions) {
  const auto hits = RankSimilar(target_, candidates_, 0.0, 10);
  ASSERT_EQ(hits.size(), 4u);
  EXPECT_EQ(hits[0].id(), "p-2025-dup");
  EXPECT_EQ(hits[0].score(), 1.0);
  EXPECT_EQ(hits[1].id(), "p-2024-water");
  EXPECT_GT(hits[1].score(), 0.35);
  // The two unrelated ones after, in score order.
  EXPECT_LT(hits[2].score(), 0.15);
  EXPECT_GE(hits[2].score(), hits[3].score());
  EXPECT_GT(hits[3].score(), 0.0);
  // The fields of the listing come from the candidate.
  EXPECT_EQ(hits[1].session(), "十七届二次");
  EXPECT_EQ(hits[1].title(), kWaterAgainTitle);
  EXPECT_EQ(hits[1].number(), 0);  // 1000 % 100
  EXPECT_EQ(hits[1].kind(), pb::PROPOSAL_KIND_NPC_SUGGESTION);
  EXPECT_EQ(hits[1].state(), pb::PROPOSAL_STATE_REGISTERED);
}

TEST_F(RankSimilarTest, MinScoreAndLimit) {
  auto hits = RankSimilar(target_, candidates_, 0.35, 10);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].id(), "p-2025-dup");
  EXPECT_EQ(hits[1].id(), "p-2024-water");
  hits = RankSimilar(target_, candidates_, 0.35, 1);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].id(), "p-2025-dup");
  EXPECT_TRUE(RankSimilar(target_, candidates_, 0.0, 0).empty());
  // A score equal to min_score is kept.
  const double reworded = RankSimilar(target_, candidates_, 0.35, 10)[1].score();
  EXPECT_EQ(RankSimilar(target_, candidates_, reworded, 10).size(), 2u);
}

TEST_F(RankSimilarTest, TiesByCreateTimeThenId) {
  std::vector<pb::Proposal> same = {
      P("p-c", "十七届二次", 1200, kWaterTitle, kWaterText),
      P("p-b", "十七届二次", 1100, kWaterTitle, kWaterText),
      P("p-a", "十七届二次", 1200, kWaterTitle, kWaterText),
  };
  const auto hits = RankSimilar(target_, same, 0.2, 10);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].id(), "p-b");
  EXPECT_EQ(hits[1].id(), "p-a");
  EXPECT_EQ(hits[2].id(), "p-c");
}

TEST_F(RankSimilarTest, UnrelatedOrEmptyTextsAreNeverListed) {
  std::vector<pb::Proposal> others = {P("p-x", "十七届二次", 1, "abc", "def"),
                                      P("p-empty", "十七届二次", 2, "", "")};
  EXPECT_TRUE(RankSimilar(target_, others, 0.0, 10).empty());
}

}  // namespace
}  // namespace zs::proposals
