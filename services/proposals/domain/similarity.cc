#include "domain/similarity.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/time_util.h"

namespace zs::proposals {
namespace {

// Decodes the code point starting at s[i] into *cp and advances i past it. On malformed input
// returns false and advances i by one byte only, so decoding resumes at the next byte (a following
// continuation byte is then malformed on its own and skipped too). Never reads past s.size().
bool NextCodePoint(std::string_view s, size_t& i, char32_t* cp) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) {
    *cp = lead;
    ++i;
    return true;
  }
  size_t len = 0;
  char32_t min = 0;  // the smallest code point of that length; below it the form is overlong
  if (lead >= 0xc2 && lead <= 0xdf) {
    len = 2, min = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    len = 3, min = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    len = 4, min = 0x10000;
  }
  if (len == 0 || s.size() - i < len) {
    ++i;
    return false;
  }
  char32_t value = lead & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) {
      ++i;
      return false;
    }
    value = (value << 6) | (byte(i + k) & 0x3f);
  }
  if (value < min || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
    ++i;
    return false;
  }
  *cp = value;
  i += len;
  return true;
}

// Whether a code point at or above U+0080 is dropped (see NormalizeText).
bool Dropped(char32_t c) {
  if (c <= 0xa0) return true;  // C1 controls, NBSP
  switch (c) {
    case 0xa1:    // ¡
    case 0xa7:    // §
    case 0xab:    // «
    case 0xb6:    // ¶
    case 0xb7:    // ·
    case 0xbb:    // »
    case 0xbf:    // ¿
    case 0x30fb:  // ・ (katakana middle dot, typed for · by some input methods)
    case 0xfeff:
      return true;
    default:
      break;
  }
  if (c >= 0x2000 && c <= 0x206f) return true;
  if (c >= 0x3000 && c <= 0x303f) {
    const bool letter_or_number = (c >= 0x3005 && c <= 0x3007) || (c >= 0x3021 && c <= 0x3029) ||
                                  (c >= 0x3031 && c <= 0x3035) || (c >= 0x3038 && c <= 0x303c);
    return !letter_or_number;
  }
  return (c >= 0xfe10 && c <= 0xfe1f) || (c >= 0xfe30 && c <= 0xfe6f) ||
         (c >= 0xff00 && c <= 0xff65);  // what is left of it after folding: ｟｠｡｢｣､･
}

bool IsAsciiAlnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Appends the terms of one normalised text with `weight` each.
void AddTerms(const std::u32string& text, int weight, std::vector<std::pair<uint64_t, int>>* out) {
  if (text.size() == 1) {
    out->emplace_back(UnigramKey(text[0]), weight);
    return;
  }
  for (size_t k = 0; k + 1 < text.size(); ++k) {
    out->emplace_back(BigramKey(text[k], text[k + 1]), weight);
  }
}

// Whether `a` was created before `b`: by create_time, then id, so that orders are total.
bool CreatedBefore(const pb::Proposal& a, const pb::Proposal& b) {
  return std::forward_as_tuple(a.create_time().seconds(), a.create_time().nanos(), a.id()) <
         std::forward_as_tuple(b.create_time().seconds(), b.create_time().nanos(), b.id());
}

bool CreatedAfter(const pb::Proposal& a, const pb::Proposal& b) {
  return FromProto(a.create_time()) > FromProto(b.create_time());
}

// The cosine from a dot product, in [0, 1]. The square root of the product (not the product of
// the square roots): for equal profiles the product is an exact square and the result exactly 1.
double Cosine(int64_t dot, const Profile& a, const Profile& b) {
  if (a.empty() || b.empty()) return 0;
  const double cosine = static_cast<double>(dot) / std::sqrt(static_cast<double>(a.sum_squares) *
                                                             static_cast<double>(b.sum_squares));
  return std::clamp(cosine, 0.0, 1.0);
}

}  // namespace

std::u32string NormalizeText(std::string_view text) {
  std::u32string out;
  out.reserve(text.size() / 3 + 1);
  for (size_t i = 0; i < text.size();) {
    char32_t c;
    if (!NextCodePoint(text, i, &c)) continue;
    if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0;  // Ａ → A, ， → ,
    if (c < 0x80) {
      if (!IsAsciiAlnum(c)) continue;
      if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    } else if (Dropped(c)) {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

int Profile::Weight(uint64_t key) const {
  auto it = std::lower_bound(terms.begin(), terms.end(), std::make_pair(key, 0));
  return it != terms.end() && it->first == key ? it->second : 0;
}

uint64_t BigramKey(char32_t first, char32_t second) {
  return (static_cast<uint64_t>(first) << 32) | second;
}

uint64_t UnigramKey(char32_t c) { return (uint64_t{0x110000} << 32) | c; }

Profile ProfileOf(std::string_view title, std::string_view content) {
  std::vector<std::pair<uint64_t, int>> all;
  AddTerms(NormalizeText(title), 2, &all);
  AddTerms(NormalizeText(content), 1, &all);
  std::sort(all.begin(), all.end());
  Profile p;
  for (const auto& [key, weight] : all) {
    if (!p.terms.empty() && p.terms.back().first == key) {
      p.terms.back().second += weight;
    } else {
      p.terms.emplace_back(key, weight);
    }
  }
  for (const auto& [key, weight] : p.terms) p.sum_squares += int64_t{weight} * weight;
  return p;
}

Profile ProfileOf(const pb::Proposal& p) { return ProfileOf(p.title(), p.content()); }

double Similarity(const Profile& a, const Profile& b) {
  if (a.empty() || b.empty()) return 0;
  int64_t dot = 0;
  auto i = a.terms.begin();
  auto j = b.terms.begin();
  while (i != a.terms.end() && j != b.terms.end()) {
    if (i->first < j->first) {
      ++i;
    } else if (j->first < i->first) {
      ++j;
    } else {
      dot += int64_t{i->second} * j->second;
      ++i, ++j;
    }
  }
  return Cosine(dot, a, b);
}

std::vector<SimilarPair> SimilarPairs(const std::vector<Profile>& profiles, double min_score,
                                      const std::function<bool(size_t a, size_t b)>& wanted) {
  // The inverted index, flat: every (term, profile, weight) sorted by term, then profile, so the
  // profiles holding a term are one run, in increasing order. `at` lists, per profile, where its
  // own entries are.
  struct Entry {
    uint64_t key;
    uint32_t profile;
    int weight;
  };
  std::vector<Entry> entries;
  std::vector<size_t> first(profiles.size() + 1, 0);  // profile k's entries: at[first[k]..]
  for (size_t k = 0; k < profiles.size(); ++k) {
    for (const auto& [key, weight] : profiles[k].terms) {
      entries.push_back({key, static_cast<uint32_t>(k), weight});
    }
    first[k + 1] = entries.size();
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) {
    return std::tie(x.key, x.profile) < std::tie(y.key, y.profile);
  });
  std::vector<size_t> at(entries.size());
  {
    std::vector<size_t> next(first.begin(), first.end() - 1);
    for (size_t pos = 0; pos < entries.size(); ++pos) at[next[entries[pos].profile]++] = pos;
  }
  std::vector<SimilarPair> out;
  std::vector<int64_t> dot(profiles.size(), 0);
  std::vector<size_t> touched;
  for (size_t a = 0; a < profiles.size(); ++a) {
    // The dot products of a with every later profile that shares a term with it: the rest of
    // the run of each of its terms.
    for (size_t k = first[a]; k < first[a + 1]; ++k) {
      const Entry& mine = entries[at[k]];
      for (size_t pos = at[k] + 1; pos < entries.size() && entries[pos].key == mine.key; ++pos) {
        const size_t b = entries[pos].profile;
        if (dot[b] == 0) touched.push_back(b);
        dot[b] += int64_t{mine.weight} * entries[pos].weight;
      }
    }
    std::sort(touched.begin(), touched.end());
    for (size_t b : touched) {
      const double score = Cosine(dot[b], profiles[a], profiles[b]);
      dot[b] = 0;
      if (score > 0 && score >= min_score && (!wanted || wanted(a, b))) {
        out.push_back({a, b, score});
      }
    }
    touched.clear();
  }
  return out;
}

std::vector<pb::SimilarProposal> RankSimilar(const pb::Proposal& target,
                                             const std::vector<pb::Proposal>& candidates,
                                             double min_score, size_t limit) {
  const Profile profile = ProfileOf(target);
  struct Hit {
    const pb::Proposal* p;
    double score;
  };
  std::vector<Hit> hits;
  for (const auto& c : candidates) {
    if (c.id() == target.id()) continue;
    if (c.session() != target.session() && CreatedAfter(c, target)) continue;
    const double score = Similarity(profile, ProfileOf(c));
    if (score > 0 && score >= min_score) hits.push_back({&c, score});
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& x, const Hit& y) {
    if (x.score != y.score) return x.score > y.score;
    return CreatedBefore(*x.p, *y.p);
  });
  if (hits.size() > limit) hits.resize(limit);
  std::vector<pb::SimilarProposal> out;
  out.reserve(hits.size());
  for (const auto& h : hits) {
    pb::SimilarProposal s;
    s.set_id(h.p->id());
    s.set_session(h.p->session());
    s.set_number(h.p->number());
    s.set_title(h.p->title());
    s.set_kind(h.p->kind());
    s.set_state(h.p->state());
    s.set_score(h.score);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace zs::proposals
