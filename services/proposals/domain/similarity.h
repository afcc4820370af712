#pragma once

// Text similarity of proposals by character bigrams (字符二元组), for merging (并案) and for topics
// that come back session after session (年年提). Chinese is not segmented into words: two
// consecutive characters are the unit, which needs no dictionary and is robust to rewording.
// Pure functions; no gRPC, Redis or SQL.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zhongshu/proposals/v1/proposals.pb.h"

namespace zs::proposals {

namespace pb = zhongshu::proposals::v1;

// The code points of UTF-8 `text` as compared:
// - malformed UTF-8 (a stray continuation byte, a truncated sequence, an overlong form, a
//   surrogate, a value above U+10FFFF) is skipped one byte at a time; nothing is read past the end;
// - full-width ASCII forms U+FF01–U+FF5E (Ａ, １, ，) become their ASCII counterparts, and ASCII
//   letters are lower-cased;
// - dropped: ASCII white space, control characters and punctuation (all of ASCII but letters and
//   digits); C1 controls and NBSP; Latin-1 punctuation (¡ § « ¶ · » ¿); the General Punctuation
//   block U+2000–U+206F (typographic spaces, zero-width and format characters, — … ‘ ’ “ ” ※);
//   CJK symbols and punctuation U+3000–U+303F (the ideographic space,
//   、。〈〉《》「」『』【】〔〕); vertical, compatibility and small forms U+FE10–U+FE1F and
//   U+FE30–U+FE6F; the katakana middle dot ・ U+30FB; the BOM U+FEFF; the half-width punctuation
//   U+FF5F–U+FF65 (｡｢｣､･). Kept from U+3000–U+303F are the characters that are letters or numbers
//   rather than punctuation: 々 〆 〇 (as in 二〇二五年), the Hangzhou numerals 〡–〩, 〱–〵 and
//   〸–〼.
std::u32string NormalizeText(std::string_view text);

// A term-frequency profile: how often each term occurs, with the sum of squared weights
// precomputed, so that comparing many profiles (O(n²) for recurring topics) costs one merge of two
// sorted lists each.
struct Profile {
  // (term key, weight), sorted by key, each key once, weights > 0. See BigramKey / UnigramKey.
  std::vector<std::pair<uint64_t, int>> terms;
  int64_t sum_squares = 0;  // sum of weight², the squared Euclidean norm

  bool empty() const { return terms.empty(); }
  // The weight of `key`, 0 when absent.
  int Weight(uint64_t key) const;
};

// A bigram's key: the two code points packed (first << 32 | second).
uint64_t BigramKey(char32_t first, char32_t second);
// The key of a lone character (a text of one character). The high half 0x110000 is not a code
// point, so it never equals a bigram's key.
uint64_t UnigramKey(char32_t c);

// The profile of a title and a content: every pair of consecutive code points of each normalised
// text (the title and the content separately, no pair spans the two), the title's pairs with
// weight 2 and the content's with weight 1, since the title names the topic. A text that
// normalises to one character counts that character as a unigram, so it is not empty; an empty
// text adds nothing.
Profile ProfileOf(std::string_view title, std::string_view content);
// A proposal's title and content.
Profile ProfileOf(const pb::Proposal& p);

// The cosine of two profiles, in [0, 1]: 1 for the same distribution of terms (the same text), 0
// when they share no term or either is empty.
double Similarity(const Profile& a, const Profile& b);

// A pair of profiles (indexes a < b into the list given) and their Similarity.
struct SimilarPair {
  size_t a = 0;
  size_t b = 0;
  double score = 0;
};

// Every pair of `profiles` whose Similarity is at least `min_score` and above 0, for which
// `wanted(a, b)` (a < b) is true (empty: every pair), ordered by a then b. The scores equal
// Similarity's. Pairs are found through an inverted index (term → profiles holding it), so the
// cost is the sum over terms of (profiles holding the term)², plus a call of `wanted` for every
// pair that shares a term: still O(n²) in the worst case (a bigram such as 建议 is in almost every
// proposal), but without the merge of two whole profiles for every pair.
std::vector<SimilarPair> SimilarPairs(const std::vector<Profile>& profiles, double min_score,
                                      const std::function<bool(size_t a, size_t b)>& wanted);

// The candidates similar to `target` (ListSimilarProposals), best first, as SimilarProposal with
// id, session, number, title, kind, state and score filled in:
// - a candidate with the target's id is skipped (the target itself);
// - so is one created after the target (create_time later) unless it is of the target's session:
//   a proposal is compared with this and earlier sessions, never with later ones;
// - kept when its score is at least `min_score` and above 0 (texts that share no bigram are
//   never listed, whatever `min_score`);
// - ordered by score (highest first), then create_time (earlier first), then id; at most `limit`.
// Each candidate's profile is computed here: O(total text of the candidates).
std::vector<pb::SimilarProposal> RankSimilar(const pb::Proposal& target,
                                             const std::vector<pb::Proposal>& candidates,
                                             double min_score, size_t limit);

}  // namespace zs::proposals
