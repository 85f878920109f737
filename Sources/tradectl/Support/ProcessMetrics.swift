import Metrics
import Prometheus

/// The process's swift-metrics, bootstrapped once with a Prometheus factory whose registry
/// `/metrics` exports (`serve`, `worker`).
enum ProcessMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
