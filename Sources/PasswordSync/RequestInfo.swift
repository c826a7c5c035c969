/// Who is asking, for the audit log: set by the HTTP layer after authentication.
public struct RequestInfo: Sendable {
    public var requestID: String
    public var client: String?
    public var principal: String?

    public init(requestID: String, client: String?, principal: String?) {
        self.requestID = requestID
        self.client = client
        self.principal = principal
    }
}
