#include "exporters/prometheus/producer.h"

#include <array>
#include <cctype>

namespace lineaged::exporters {
namespace {

constexpr std::array<std::string_view, 5> kIntegrations = {"airflow", "dbt", "spark", "flink",
                                                           "kubeflow"};

bool IsSeparator(char c) {
  return c == '/' || c == '.' || c == '-' || c == '_' || c == ':' || c == '@' || c == '+';
}

// `word` equals the lower-case `lower`, ignoring ASCII case.
bool WordIs(std::string_view word, std::string_view lower) {
  if (word.size() != lower.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(word[i])) != lower[i]) return false;
  }
  return true;
}

// Calls `visit(word)` for each word of `text` in order until it returns true.
template <typename Visit>
void ForEachWord(std::string_view text, Visit visit) {
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || IsSeparator(text[i])) {
      if (i > start && visit(text.substr(start, i - start))) return;
      start = i + 1;
    }
  }
}

}  // namespace

std::string_view ProducerLabel(std::string_view producer_url) {
  std::string_view rest = producer_url;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
  }
  rest = rest.substr(0, rest.find_first_of("?#"));

  std::string_view found;
  ForEachWord(rest, [&](std::string_view word) {
    for (std::string_view integration : kIntegrations) {
      if (WordIs(word, integration)) {
        found = integration;
        return true;
      }
    }
    return false;
  });
  if (!found.empty()) return found;

  std::string_view previous;
  ForEachWord(rest, [&](std::string_view word) {
    if (WordIs(word, "python") && (WordIs(previous, "client") || WordIs(previous, "openlineage"))) {
      found = "python-client";
      return true;
    }
    previous = word;
    return false;
  });
  return found.empty() ? std::string_view("other") : found;
}

}  // namespace lineaged::exporters
