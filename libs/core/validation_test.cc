#include "core/validation.h"

#include <gtest/gtest.h>

namespace zs {
namespace {

TEST(Blank, EmptyAndAsciiWhiteSpace) {
  EXPECT_TRUE(Blank(""));
  EXPECT_TRUE(Blank(" \t\r\n"));
  EXPECT_FALSE(Blank(" a "));
}

// What Chinese input methods and copy-paste really produce: none of it is a title.
TEST(Blank, UnicodeSpacesAndInvisibleCharactersAreBlank) {
  EXPECT_TRUE(Blank("\u3000\u3000"));                    // ideographic space (全角空格)
  EXPECT_TRUE(Blank("\u00a0"));                          // no-break space
  EXPECT_TRUE(Blank("\u200b\u200c\u200d"));              // zero-width space, non-joiner, joiner
  EXPECT_TRUE(Blank("\ufeff\u2060"));                    // byte-order mark, word joiner
  EXPECT_TRUE(Blank("\u2002\u2003\u2009\u202f\u205f"));  // typographic spaces
  EXPECT_TRUE(Blank("\u1680\u180e\u00ad"));        // ogham space, Mongolian separator, soft hyphen
  EXPECT_TRUE(Blank("\u200e\u200f\u202a\u202e"));  // direction marks and embeddings
  EXPECT_TRUE(Blank("\x01\x7f\u0085"));            // control characters
  EXPECT_TRUE(Blank("\U000e0020\U000e007f\u180b\ufff9\u17b4"));  // tags, selectors, anchors
  EXPECT_TRUE(Blank(" \u3000\t\u00a0\u200b "));
}

TEST(Blank, VisibleTextIsNotBlank) {
  EXPECT_FALSE(Blank("\u3000水\u3000"));
  EXPECT_FALSE(Blank("a"));
  EXPECT_FALSE(Blank("\u00b7"));    // a middle dot shows
  EXPECT_FALSE(Blank("\xff"));      // malformed UTF-8 is not taken for a space
  EXPECT_FALSE(Blank("\xe3\x80"));  // a truncated sequence neither
}

TEST(ValidateText, RequiredRefusesUnicodeBlankNamingTheField) {
  auto s = ValidateText("\u3000", "item.title", 10, true);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_EQ(s.message().rfind("item.title", 0), 0u) << s.message();
  EXPECT_TRUE(ValidateText("\u3000", "item.note", 10, false).ok());
  EXPECT_TRUE(ValidateText("督查", "item.title", 2, true).ok());
  EXPECT_FALSE(ValidateText("督查室", "item.title", 2, true).ok());
}

}  // namespace
}  // namespace zs
