#include "collector/http_ingest.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

#include "collector/batch.h"
#include "graphstore/base/strings.h"

namespace lineaged::collector {

namespace {

// Messages may quote client bytes; nlohmann's default dump() throws on any
// that are not UTF-8, which would end the server. Render them as U+FFFD.
std::string Dump(const nlohmann::ordered_json& json) {
  return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

HttpReply ErrorReply(int status, std::string_view message) {
  HttpReply reply;
  reply.status = status;
  reply.body = Dump({{"code", status}, {"message", message}});
  return reply;
}

}  // namespace

bool IsJsonContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  std::string lowered = absl::AsciiStrToLower(absl::StripAsciiWhitespace(AsAbsl(media)));
  return lowered == "application/json" || absl::EndsWith(lowered, "+json");
}

HttpReply ToHttpReply(const IngestResult& result) {
  using Code = IngestResult::Code;
  switch (result.code) {
    case Code::kStored:
    case Code::kDuplicate:
      return HttpReply{};
    case Code::kMalformed:
      return ErrorReply(400, absl::StrJoin(result.errors, "; "));
    case Code::kInvalid: {
      HttpReply reply;
      reply.status = 422;
      reply.body = Dump({{"errors", result.errors}});
      return reply;
    }
    case Code::kOverLimit: {
      // 413: the event itself is too large for this server; resending it
      // will not help, unlike 429/503.
      HttpReply reply;
      reply.status = 413;
      nlohmann::json body = {
          {"code", 413}, {"message", absl::StrJoin(result.errors, "; ")}, {"limit", result.limit}};
      if (!result.field.empty()) body["field"] = result.field;
      reply.body = body.dump();
      return reply;
    }
    case Code::kOverloaded: {
      // The queue drains in milliseconds: a prompt retry is likely to succeed.
      HttpReply reply;
      reply.status = 429;
      reply.body =
          nlohmann::json{
              {"code", 429}, {"message", result.message + "; retry later"}, {"limit", result.limit}}
              .dump();
      reply.headers.emplace_back("Retry-After", "1");
      return reply;
    }
    case Code::kUnavailable: {
      // Closing, or a full disk: neither passes within a second.
      HttpReply reply = ErrorReply(503, result.message);
      reply.headers.emplace_back("Retry-After", "5");
      return reply;
    }
    case Code::kInternal:
      return ErrorReply(500, result.message);
  }
  return ErrorReply(500, "unknown ingest result");
}

void HandleLineagePost(IngestService* service, std::string_view content_type, std::string body,
                       std::function<void(HttpReply)> done) {
  // A missing Content-Type is taken as JSON; a declared non-JSON one is not.
  if (!content_type.empty() && !IsJsonContentType(content_type)) {
    done(ErrorReply(415, "Content-Type must be application/json"));
    return;
  }
  service->Ingest(std::move(body),
                  [done = std::move(done)](IngestResult result) { done(ToHttpReply(result)); });
}

}  // namespace lineaged::collector

namespace lineaged::collector {

std::string BatchResponseBody(const std::vector<IngestResult>& results) {
  size_t successful = 0, retriable = 0;
  nlohmann::ordered_json failed_events = nlohmann::ordered_json::array();
  for (size_t i = 0; i < results.size(); ++i) {
    const IngestResult& result = results[i];
    if (IsAccepted(result)) {
      ++successful;
      continue;
    }
    bool retry = IsRetriable(result);
    if (retry) ++retriable;
    std::string reason =
        result.errors.empty() ? result.message : absl::StrJoin(result.errors, "; ");
    failed_events.push_back({{"index", i}, {"reason", reason}, {"retriable", retry}});
  }
  size_t failed = results.size() - successful;
  nlohmann::ordered_json body = {{"status", failed == 0 ? "success" : "partial_success"},
                                 {"summary",
                                  {{"received", results.size()},
                                   {"successful", successful},
                                   {"failed", failed},
                                   {"retriable", retriable},
                                   {"non_retriable", failed - retriable}}},
                                 {"failed_events", std::move(failed_events)}};
  return Dump(body);
}

void HandleLineageBatchPost(IngestService* service, std::string_view content_type, std::string body,
                            std::function<void(HttpReply)> done) {
  std::string media = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(AsAbsl(content_type.substr(0, content_type.find(';')))));
  const bool ndjson = media == "application/x-ndjson" || media == "application/jsonl" ||
                      media == "application/jsonlines";
  if (!content_type.empty() && !ndjson && !IsJsonContentType(content_type)) {
    done(ErrorReply(415, "Content-Type must be application/json or application/x-ndjson"));
    return;
  }
  absl::StatusOr<std::vector<std::string>> elements = SplitBatch(body, ndjson);
  if (!elements.ok()) {
    done(ErrorReply(400, AsStd(elements.status().message())));
    return;
  }
  IngestBatch(service, std::move(*elements),
              [done = std::move(done)](std::vector<IngestResult> results) {
                HttpReply reply;
                reply.status = 200;
                reply.body = BatchResponseBody(results);
                // A batch refused whole for a full queue or an unwritable store
                // answers as a single event would (429 or 503 with Retry-After),
                // so clients that retry on status codes resend it.
                if (!results.empty()) {
                  const IngestResult::Code code = results.front().code;
                  const bool all_same =
                      std::all_of(results.begin(), results.end(),
                                  [code](const IngestResult& r) { return r.code == code; });
                  if (all_same && (code == IngestResult::Code::kOverloaded ||
                                   code == IngestResult::Code::kUnavailable)) {
                    HttpReply single = ToHttpReply(results.front());
                    reply.status = single.status;
                    reply.headers = std::move(single.headers);
                  }
                }
                done(std::move(reply));
              });
}

}  // namespace lineaged::collector
