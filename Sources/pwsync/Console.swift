#if canImport(Glibc)
import Glibc
#endif

/// The standard streams and one helper process, straight on the file descriptors: full
/// Foundation's `FileHandle` and `Process` would link ICU's data into the binary.
enum Console {
    /// A message for the operator on standard error.
    static func error(_ text: String) {
        flushPrinted()
        write(STDERR_FILENO, Array(text.utf8))
    }

    /// Bytes on standard output, for the few outputs that are secrets (a generated token): they
    /// never pass through a `String`.
    static func out(_ bytes: UnsafeRawBufferPointer) {
        flushPrinted()
        write(STDOUT_FILENO, Array(bytes))
    }

    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// All of standard input.
    static func readStandardInput() -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n > 0 {
                out.append(contentsOf: chunk[..<n])
            } else if n == 0 || errno != EINTR {
                break
            }
        }
        for i in chunk.indices { chunk[i] = 0 }
        return out
    }

    /// One line typed on the terminal without echo, the prompt on standard error.
    static func readHiddenLine(_ label: String) -> String? {
        var old = termios()
        tcgetattr(STDIN_FILENO, &old)
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &old)
            error("\n")
        }
        error(label)
        return readLine(strippingNewline: true)
    }

    /// Runs `path` with `arguments`, `input` on its standard input, and waits; false when it could
    /// not start or failed. The input never goes on argv.
    static func run(_ path: String, _ arguments: [String], input: [UInt8]) -> Bool {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return false }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO)
        posix_spawn_file_actions_addclose(&actions, fds[1])
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        close(fds[0])
        guard spawned == 0 else {
            close(fds[1])
            return false
        }
        write(fds[1], input)
        close(fds[1])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status == 0
    }

    /// What `print` still holds, so it comes out before bytes written straight to the descriptor.
    static func flushPrinted() {
        fflush(nil)
    }

    private static func write(_ fd: Int32, _ bytes: [UInt8]) {
        var rest = bytes[...]
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                rest = rest.dropFirst(n)
            } else if errno != EINTR {
                return
            }
        }
    }
}
