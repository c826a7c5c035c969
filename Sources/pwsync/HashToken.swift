#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FoundationEssentials
import Secrets

struct HashToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-token",
        abstract: "Print the config hash of a bearer token or Basic password.",
        discussion: """
        With --generate, makes a new random token and prints it (give it to Okta) and its hash (put it in
        [[server.tokens]]). Without it, reads the token from standard input: never pass a token as an argument.
        """
    )

    @Flag(help: "Generate a new random token.")
    var generate = false

    func run() throws {
        let token: Secret
        if generate {
            token = TokenHash.generateToken()
            print("token: ", terminator: "")
            token.withUnsafeBytes { Console.out($0) }
            print("")
            print("hash:  \(TokenHash(hashing: token).encoded)")
        } else {
            var bytes = Console.readStandardInput()
            while let last = bytes.last, last == 0x0a || last == 0x0d || last == 0x20 { bytes.removeLast() }
            guard !bytes.isEmpty else {
                Console.error("hash-token: no token on standard input (or use --generate)\n")
                throw ExitCode(2)
            }
            token = Secret(bytes: bytes)
            for i in bytes.indices { bytes[i] = 0 }
            let bits = TokenHash.estimatedStrengthBits(token)
            guard bits >= TokenHash.minimumStrengthBits else {
                Console.error("hash-token: this secret is too weak (about \(bits) bits; at least \(TokenHash.minimumStrengthBits) needed). Tokens and Basic passwords are stored as fast salted hashes, so they must be generated secrets: use `pwsync hash-token --generate`.\n")
                throw ExitCode(65)
            }
            print(TokenHash(hashing: token).encoded)
        }
    }
}
