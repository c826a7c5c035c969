import PlainText

/// Finds the line a TOML key was written on. TOMLKit's decoder reports key paths but not lines,
/// so we scan the text: table headers set the current path, `key =` lines match within it.
struct KeyLocator {
    private var index: [String: Int] = [:]

    init(_ text: String) {
        var table: [String] = []
        var arrayCounts: [String: Int] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimming(" \t\r")
            if line.hasPrefix("[[") {
                let name = String(line.dropFirst(2).prefix { $0 != "]" }).trimming(" ")
                let i = arrayCounts[name, default: 0]
                arrayCounts[name] = i + 1
                table = name.split(separator: ".").map(String.init) + [String(i)]
                index[table.joined(separator: "."), default: n + 1] = n + 1
                index[name, default: n + 1] = n + 1
            } else if line.hasPrefix("[") {
                table = String(line.dropFirst().prefix { $0 != "]" }).trimming(" ").split(separator: ".").map(String.init)
                index[table.joined(separator: "."), default: n + 1] = n + 1
            } else if let eq = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = line[..<eq].trimming(" \t\"'")
                index[(table + [key]).joined(separator: "."), default: n + 1] = n + 1
            }
        }
    }

    var lines: [String: Int] { index }

    func has(_ path: [String]) -> Bool { index[path.joined(separator: ".")] != nil }

    /// Line of `path`, else of its nearest enclosing table, else 1.
    func line(_ path: [String]) -> Int {
        var p = path
        while !p.isEmpty {
            if let l = index[p.joined(separator: ".")] { return l }
            p.removeLast()
        }
        return 1
    }
}
