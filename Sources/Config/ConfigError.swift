/// A config problem, printed as `file:line: key: message` so an editor can jump to it.
package struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    package var file: String
    package var line: Int
    package var key: String
    package var message: String

    package init(file: String, line: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        key.isEmpty ? "\(file):\(line): \(message)" : "\(file):\(line): \(key): \(message)"
    }
}

/// Several problems at once: an admin fixes them all in one pass instead of one per run.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    package var errors: [ConfigError]
    package init(errors: [ConfigError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
