import FoundationEssentials

/// A PATCH body before it is read for a User or a Group: SCIM 1.1's partial resource, or 2.0's
/// `PatchOp` with its operations, each with an `op` of add, replace or remove and a string `path`.
enum PatchBody {
    enum Verb: String { case add, replace, remove }

    struct Operation {
        /// 1-based, for messages.
        var number: Int
        var verb: Verb
        var path: String?
        var value: JSONValue?
    }

    /// The 1.1 partial resource (it names the 1.1 core schema).
    case resource([String: JSONValue])
    case operations([Operation])

    static func parse(_ body: Data, version: SCIMVersion) throws(SCIMError) -> PatchBody {
        guard let root = try JSONValue.parse(body).object else {
            throw .invalidSyntax("The request body is not a JSON object.")
        }
        let schemas = root.value("schemas")?.array ?? []
        let isPatchOp = schemas.contains { $0.string?.lowercased() == SCIMSchema.patchOp.lowercased() }
        if version == .v1 && !isPatchOp && root.value("Operations") == nil {
            try root.requireSchema(SCIMSchema.userV1, "A SCIM 1.1 PATCH body")
            return .resource(root)
        }
        guard isPatchOp else {
            throw .invalidSyntax("A PATCH body must list the schema \(SCIMSchema.patchOp) in \"schemas\".")
        }
        guard let ops = root.value("Operations")?.array, !ops.isEmpty else {
            throw .invalidSyntax("A PATCH body needs a non-empty \"Operations\" array.")
        }
        var operations: [Operation] = []
        for (i, raw) in ops.enumerated() {
            let n = i + 1
            guard let op = raw.object else { throw .invalidSyntax("Operation \(n) is not a JSON object.") }
            guard let name = op.value("op")?.string else {
                throw .invalidSyntax("Operation \(n) has no \"op\" (add, replace or remove).")
            }
            guard let verb = Verb(rawValue: name.lowercased()) else {
                throw .invalidSyntax("Operation \(n) has op \"\(name)\"; SCIM allows add, replace or remove.")
            }
            if op.value("path") != nil && op.value("path")?.string == nil {
                throw .invalidPath("Operation \(n) has a \"path\" that is not a string.")
            }
            operations.append(Operation(number: n, verb: verb, path: op.value("path")?.string, value: op.value("value")))
        }
        return .operations(operations)
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// A resource body names its schema in `schemas`; `what` says which body, for the message.
    func requireSchema(_ schema: String, _ what: String) throws(SCIMError) {
        guard let schemas = value("schemas")?.array, schemas.contains(where: { $0.string?.lowercased() == schema.lowercased() }) else {
            throw .invalidSyntax("\(what) must list the schema \(schema) in \"schemas\".")
        }
    }

    /// The JSON object a resource body holds, checked for its schema.
    static func resource(_ body: Data, schema: String, _ what: String) throws(SCIMError) -> [String: JSONValue] {
        guard let root = try JSONValue.parse(body).object else {
            throw .invalidSyntax("The request body is not a JSON object.")
        }
        try root.requireSchema(schema, what)
        return root
    }
}
