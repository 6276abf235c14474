#pragma once

// The integration an OpenLineage `producer` URL names, as the bounded value of
// the `producer` label: airflow, dbt, spark, flink, kubeflow, python-client or
// other. Rules (docs/operations.md, "Producer label"):
//
//   1. Lower-case the URL, drop the scheme, query and fragment, and split the
//      rest into words at '/', '.', '-', '_', ':', '@' and '+'.
//   2. The first word that is airflow, dbt, spark, flink or kubeflow wins:
//      ".../apache/airflow/tree/providers-openlineage/1.14.0" is airflow,
//      ".../OpenLineage/tree/1.9.0/integration/spark" is spark.
//   3. Otherwise "python" right after "client" or "openlineage" is
//      python-client: ".../OpenLineage/tree/1.53.0/client/python".
//   4. Anything else, including an empty producer, is other.

#include <array>
#include <string_view>

namespace lineaged::exporters {

// Every value ProducerLabel returns.
inline constexpr std::array<std::string_view, 7> kProducerLabels = {
    "airflow", "dbt", "spark", "flink", "kubeflow", "python-client", "other"};

// One of the fixed label values above. Pure, thread-safe.
std::string_view ProducerLabel(std::string_view producer_url);

}  // namespace lineaged::exporters
