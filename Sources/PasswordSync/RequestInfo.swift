/// Who is asking, for the audit log: set by the HTTP layer after authentication.
package struct RequestInfo: Sendable {
    package var requestID: String
    package var client: String?
    package var principal: String?

    package init(requestID: String, client: String?, principal: String?) {
        self.requestID = requestID
        self.client = client
        self.principal = principal
    }
}
