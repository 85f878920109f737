import Foundation
import Hummingbird

extension Dashboard {
    var assetRoutes: [Route] {
        [
            Route(method: .get, path: "/assets/{name}") { request, context in
                guard let name = context.parameters.get("name"), let asset = self.renderer.assets.files[name] else {
                    throw Problem(.notFound, "no such asset")
                }
                let etag = "\"\(asset.hash)\""
                // A versioned URL never changes content: cache it for a year; otherwise revalidate.
                let versioned = request.uri.queryParameters["v"].map(String.init) == asset.hash
                var headers: HTTPFields = [.contentType: asset.contentType, .eTag: etag,
                                           .cacheControl: versioned ? "public, max-age=31536000, immutable" : "no-cache"]
                headers[.xContentTypeOptions] = "nosniff"
                if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: headers) }
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
            },
        ]
    }
}
