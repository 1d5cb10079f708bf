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
        var status: String
        var database: String
    }

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("getHealth") { _, _ in
            let healthy = await dependencies.store.ping()
            return try JSONResponse.make(
                Health(status: healthy ? "ok" : "degraded", database: healthy ? "ok" : "unreachable"),
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
