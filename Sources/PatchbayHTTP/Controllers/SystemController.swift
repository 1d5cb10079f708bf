import Hummingbird
import NIOCore
import PatchbayCore
import PatchbayServices
import Prometheus

/// Health, the OpenAPI document and Prometheus metrics: the routes that need no token.
struct SystemController {
    let dependencies: APIDependencies
    let registry: PrometheusCollectorRegistry
    let document = ByteBuffer(data: APIDocument.encoded())

    func register(on router: Router<PatchbayRequestContext>) {
        router.serve("getHealth") { _, _ in
            let health = await dependencies.services.health()
            return try JSONResponse.make(health, status: health.healthy ? .ok : .serviceUnavailable)
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
