import FoundationEssentials
import CoreMetrics
import Hummingbird
import SCIM

enum Responses {
    static func json(_ body: Data, status: HTTPResponse.Status = .ok, _ version: SCIMVersion) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = version.contentType
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func error(_ e: SCIMError, _ version: SCIMVersion, requestID: String) -> Response {
        var r = json(e.body(version), status: .init(code: e.status), version)
        if let retry = e.retryAfter { r.headers[.retryAfter] = String(retry) }
        if e.status == 429 { Counter(label: "pwsync_http_429_total").increment() }
        if let allow = e.allow { r.headers[.allow] = allow }
        if e.status == 401 { r.headers[.wwwAuthenticate] = e.wwwAuthenticate ?? "Bearer realm=\"pwsync\"" }
        if e.closeConnection || e.status == 413 { r.headers[.connection] = "close" }
        r.headers[.init("X-Request-Id")!] = requestID
        return r
    }
}
