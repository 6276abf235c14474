// The in-memory trigram index behind GraphStore::Search
// (graphstore/internal/name_search_index.h).

#include "graphstore/internal/name_search_index.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lineaged::graphstore::internal {
namespace {

using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

IndexedName Dataset(std::string ns, std::string name, uint64_t id) {
  return IndexedName{NodeKind::kDataset, QualifiedName{std::move(ns), std::move(name)}, id};
}

IndexedName Job(std::string ns, std::string name, uint64_t id) {
  return IndexedName{NodeKind::kJob, QualifiedName{std::move(ns), std::move(name)}, id};
}

// "d:ns:name" / "j:ns:name" per hit, for readable expectations.
std::vector<std::string> Found(const NameSearchIndex& index, std::string_view text,
                               SearchFilter filter = SearchFilter::kAll,
                               std::optional<std::string> ns = std::nullopt,
                               NameSearchStats* stats = nullptr) {
  std::vector<std::string> out;
  for (const IndexedName& hit : index.Find(text, filter, ns, stats)) {
    out.push_back(absl::StrCat(hit.kind == NodeKind::kJob ? "j:" : "d:", hit.name.namespace_name,
                               ":", hit.name.name));
  }
  return out;
}

TEST(NameSearchIndex, FindsSubstringsOfNamesByTrigram) {
  NameSearchIndex index;
  index.Insert({Dataset("db", "orders", 1), Dataset("db", "raw_orders", 2),
                Dataset("db", "customers", 3), Job("etl", "load_orders", 4)});
  EXPECT_EQ(index.size(), 4u);
  NameSearchStats stats;
  EXPECT_THAT(Found(index, "order", SearchFilter::kAll, std::nullopt, &stats),
              UnorderedElementsAre("d:db:orders", "d:db:raw_orders", "j:etl:load_orders"));
  EXPECT_EQ(stats.candidates, 3u) << "only names holding every trigram are compared";
  EXPECT_THAT(Found(index, "tomer"), UnorderedElementsAre("d:db:customers"));
  EXPECT_THAT(Found(index, "ordersx"), IsEmpty());
  EXPECT_THAT(Found(index, "zzz", SearchFilter::kAll, std::nullopt, &stats), IsEmpty());
  EXPECT_EQ(stats.candidates, 0u);
}

TEST(NameSearchIndex, MatchesNamesNotNamespaces) {
  NameSearchIndex index;
  index.Insert({Dataset("warehouse", "t1", 1), Dataset("db", "warehouse_t", 2)});
  EXPECT_THAT(Found(index, "warehouse"), UnorderedElementsAre("d:db:warehouse_t"));
}

TEST(NameSearchIndex, ShortTextsCompareEveryName) {
  NameSearchIndex index;
  index.Insert({Dataset("db", "ab", 1), Dataset("db", "xaby", 2), Job("db", "q", 3)});
  NameSearchStats stats;
  EXPECT_THAT(Found(index, "ab", SearchFilter::kAll, std::nullopt, &stats),
              UnorderedElementsAre("d:db:ab", "d:db:xaby"));
  EXPECT_EQ(stats.postings_read, 0u);
  EXPECT_EQ(stats.candidates, 3u);
  EXPECT_THAT(Found(index, "Q"), UnorderedElementsAre("j:db:q"));
  EXPECT_THAT(Found(index, ""), UnorderedElementsAre("d:db:ab", "d:db:xaby", "j:db:q"))
      << "an empty text matches every name";
  EXPECT_THAT(Found(index, "abc"), IsEmpty()) << "a 2-byte name has no trigram and no 3-byte match";
}

TEST(NameSearchIndex, IgnoresAsciiCaseOnly) {
  // Non-ASCII bytes compare exactly, as absl::AsciiStrToLower leaves them.
  const std::string grosse = std::string("Gr\xC3\xB6\xC3\x9F") + "e";  // "Größe" in UTF-8
  const std::string binary = std::string("a\0\xff\xfe", 4) + "b";
  NameSearchIndex index;
  index.Insert(
      {Dataset("db", "Sales_ORDERS", 1), Dataset("db", grosse, 2), Dataset("db", binary, 3)});
  EXPECT_THAT(Found(index, "orders"), UnorderedElementsAre("d:db:Sales_ORDERS"));
  EXPECT_THAT(Found(index, "SALES_o"), UnorderedElementsAre("d:db:Sales_ORDERS"));
  EXPECT_THAT(Found(index, "GR\xC3\xB6\xC3\x9F"), UnorderedElementsAre("d:db:" + grosse));
  EXPECT_THAT(Found(index, "gr\xC3\x96"), IsEmpty()) << "\xC3\x96 (Ö) is not \xC3\xB6 (ö)";
  EXPECT_THAT(Found(index, std::string("\0\xff\xfe", 3)), UnorderedElementsAre("d:db:" + binary));
  EXPECT_THAT(Found(index, "\xff\xfe"), UnorderedElementsAre("d:db:" + binary));
}

TEST(NameSearchIndex, VerifiesCandidatesAgainstTheName) {
  NameSearchIndex index;
  // Holds both trigrams of "abcd" (abc, bcd) but not "abcd" itself.
  index.Insert({Dataset("db", "abcxbcd", 1)});
  NameSearchStats stats;
  EXPECT_THAT(Found(index, "abcd", SearchFilter::kAll, std::nullopt, &stats), IsEmpty());
  EXPECT_EQ(stats.candidates, 1u);
  EXPECT_EQ(stats.postings_read, 2u);
}

TEST(NameSearchIndex, Duplicates) {
  NameSearchIndex index;
  index.Insert({Dataset("a", "orders", 1), Dataset("b", "orders", 2), Job("a", "orders", 3)});
  index.Insert({Dataset("a", "orders", 1)});  // the same node again: skipped
  EXPECT_EQ(index.size(), 3u);
  EXPECT_THAT(Found(index, "orders"),
              UnorderedElementsAre("d:a:orders", "d:b:orders", "j:a:orders"));
  // Repeated trigrams, in a name and in the text.
  index.Insert({Dataset("a", "aaaaaaa", 4)});
  EXPECT_THAT(Found(index, "aaaa"), UnorderedElementsAre("d:a:aaaaaaa"));
  EXPECT_THAT(Found(index, "aaaaaaaa"), IsEmpty());
}

TEST(NameSearchIndex, FiltersByKindAndNamespace) {
  NameSearchIndex index;
  index.Insert({Dataset("a", "orders", 1), Dataset("b", "orders", 2), Job("a", "orders", 3),
                Job("a", "or", 4)});
  EXPECT_THAT(Found(index, "order", SearchFilter::kJob), UnorderedElementsAre("j:a:orders"));
  EXPECT_THAT(Found(index, "order", SearchFilter::kDataset),
              UnorderedElementsAre("d:a:orders", "d:b:orders"));
  EXPECT_THAT(Found(index, "order", SearchFilter::kAll, "a"),
              UnorderedElementsAre("d:a:orders", "j:a:orders"));
  EXPECT_THAT(Found(index, "or", SearchFilter::kJob, "a"),
              UnorderedElementsAre("j:a:orders", "j:a:or"));
  EXPECT_THAT(Found(index, "order", SearchFilter::kAll, "c"), IsEmpty());
}

TEST(NameSearchIndex, SeeksThroughLongLists) {
  NameSearchIndex index;
  std::vector<IndexedName> names;
  for (int i = 0; i < 20000; ++i) {
    names.push_back(Dataset("db", absl::StrFormat("name_%05d", i), i + 1));
  }
  index.Insert(names);
  NameSearchStats stats;
  EXPECT_THAT(Found(index, "name_01234", SearchFilter::kAll, std::nullopt, &stats),
              UnorderedElementsAre("d:db:name_01234"));
  EXPECT_LE(stats.candidates, 10u);
  EXPECT_THAT(Found(index, "_1999"), testing::SizeIs(10));  // 19990..19999
  EXPECT_THAT(Found(index, "NAME_"), testing::SizeIs(20000));
  EXPECT_THAT(Found(index, "_19999"), UnorderedElementsAre("d:db:name_19999"));
  EXPECT_THAT(Found(index, "_00000"), UnorderedElementsAre("d:db:name_00000"));
}

// Against a plain scan, on names from a small alphabet so that trigrams are
// shared by many names and lists span many skip blocks.
TEST(NameSearchIndex, AgreesWithAScan) {
  std::mt19937 rng(42);
  const std::string alphabet = "abAB_\xc3\xa9";
  auto random_string = [&](size_t min, size_t max) {
    std::string s(std::uniform_int_distribution<size_t>(min, max)(rng), 'a');
    for (char& c : s) c = alphabet[std::uniform_int_distribution<size_t>(0, 6)(rng)];
    return s;
  };
  NameSearchIndex index;
  std::vector<IndexedName> all;
  for (uint64_t id = 1; id <= 20000; ++id) {
    IndexedName name = id % 3 == 0
                           ? Job("ns" + std::to_string(id % 4), random_string(0, 12), id)
                           : Dataset("ns" + std::to_string(id % 4), random_string(0, 12), id);
    all.push_back(name);
    index.Insert({name});  // one at a time, as the commit thread does
  }
  for (int q = 0; q < 300; ++q) {
    const std::string text = random_string(0, 6);
    const SearchFilter filter = static_cast<SearchFilter>(q % 3);
    const std::optional<std::string> ns =
        q % 5 == 0 ? std::optional<std::string>("ns1") : std::nullopt;
    std::set<uint64_t> expected;
    const std::string lower_text = absl::AsciiStrToLower(text);
    for (const IndexedName& name : all) {
      if (filter == SearchFilter::kJob && name.kind != NodeKind::kJob) continue;
      if (filter == SearchFilter::kDataset && name.kind != NodeKind::kDataset) continue;
      if (ns && name.name.namespace_name != *ns) continue;
      if (absl::AsciiStrToLower(name.name.name).find(lower_text) == std::string::npos) continue;
      expected.insert(name.node_id);
    }
    std::set<uint64_t> got;
    for (const IndexedName& hit : index.Find(text, filter, ns)) {
      EXPECT_TRUE(got.insert(hit.node_id).second) << "returned twice: " << hit.node_id;
      const IndexedName& original = all[hit.node_id - 1];
      EXPECT_EQ(hit.name, original.name);
      EXPECT_EQ(hit.kind, original.kind);
    }
    EXPECT_EQ(got, expected) << "text '" << text << "'";
  }
}

TEST(NameSearchIndex, CountsItsMemory) {
  NameSearchIndex index;
  const size_t empty = index.memory_bytes();
  std::vector<IndexedName> names;
  for (int i = 0; i < 1000; ++i) {
    names.push_back(Job("airflow", absl::StrFormat("pipeline_%04d.transform", i), i + 1));
  }
  index.Insert(names);
  const size_t grown = index.memory_bytes();
  EXPECT_GT(grown, empty + 1000 * 20u) << "at least the names and their ids";
  index.ShrinkToFit();
  EXPECT_LE(index.memory_bytes(), grown);
  EXPECT_THAT(Found(index, "0042.trans"),
              UnorderedElementsAre("j:airflow:pipeline_0042.transform"));
}

}  // namespace
}  // namespace lineaged::graphstore::internal
