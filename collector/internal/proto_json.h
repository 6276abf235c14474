#pragma once

// Typed gRPC events (lineaged.v1) rendered as OpenLineage JSON, so they take
// the same parser, validation and store path as events POSTed over HTTP.

#include <string>

#include "lineaged/v1/ingest.pb.h"

namespace lineaged::collector::internal {

// The OpenLineage JSON text of a typed event. Facet texts are inserted as
// sent; unset or empty fields are left out, so validation reports them as
// missing just as for JSON. `request` must hold a typed event (not `json`).
std::string ToOpenLineageJson(const lineaged::v1::EmitRequest& request);

}  // namespace lineaged::collector::internal
