#!/usr/bin/env bash
# The dependency rule (collector -> graphstore <- api; exporters -> graphstore;
# api -> auth, a leaf) checked on includes, which link rules alone cannot see.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
if grep -rnE '#include [<"](collector|api|exporters|auth)/|boost/beast|grpcpp|nlohmann|simdjson' \
    graphstore/; then
  echo "check-layering: graphstore must not include HTTP, gRPC, JSON or upper layers" >&2
  status=1
fi
if grep -rnE '#include "graphstore/internal/' --include='*.h' --include='*.cc' \
    collector/ api/ exporters/ bench/ 2>/dev/null; then
  echo "check-layering: only graphstore may include graphstore/internal/" >&2
  status=1
fi
if grep -rnE '#include "(collector|api)/' exporters/; then
  echo "check-layering: exporters must not include collector/ or api/" >&2
  status=1
fi
if grep -rnE '#include "(api|exporters)/' collector/; then
  echo "check-layering: collector must not include api/ or exporters/" >&2
  status=1
fi
if grep -rnE '#include "collector/' api/ --include='*.h' --include='*.cc' \
    | grep -v '^api/lineaged_main.cc:'; then
  echo "check-layering: api must not include collector/ (only the main wires them)" >&2
  status=1
fi
if grep -rnE '#include [<"](graphstore|collector|api|exporters)/|boost/|grpcpp|nlohmann|simdjson' \
    auth/; then
  echo "check-layering: auth is a leaf: no other component, HTTP, gRPC or JSON" >&2
  status=1
fi
exit $status
