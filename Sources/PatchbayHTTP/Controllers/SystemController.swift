import Hummingbird
import NIOCore
import PatchbayCore
import PatchbayStorage
import Prometheus

/// Health, the OpenAPI document and Prometheus metrics: the routes that need no token.
struct SystemController {
    let dependencies: APIDependencies
    let registry: PrometheusCollectorRegistry
    let document = ByteBuffer(data: APIDocument.encoded())

    struct Health: Encodable {
        struct Queue: Encodable {
            var pending: Int
            var held: Int
            var oldestPendingAgeSeconds: Int64?
        }

        var status: String
        var database: String
        var queue: Queue?
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("getHealth") { _, _ in
            let healthy = await dependencies.store.ping()
            var queue: Health.Queue?
            if healthy, let summary = try? await dependencies.store.deliveries.queueSummary() {
                let now = dependencies.clock.nowMillis
                queue = Health.Queue(
                    pending: summary.pending, held: summary.held,
                    oldestPendingAgeSeconds: summary.oldestPendingAt.map { max(0, now.subtractingSaturating($0) / 1000) })
            }
            return try JSONResponse.make(
                Health(status: healthy ? "ok" : "degraded", database: healthy ? "ok" : "unreachable", queue: queue),
                status: healthy ? .ok : .serviceUnavailable
            )
        }
        router.serve("getOpenAPIDocument") { [document] _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: document))
        }
        router.serve("getMetrics") { [registry] _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
    }
}
