import ArgumentParser
import CHardening
import LDAP

@main
enum Entry {
    static func main() async {
        // Before any other thread exists: libldap's global setup, and no core dumps (they would hold passwords).
        LDAPLibrary.initializeOnMainThread()
        if pwsync_disable_core_dumps() != 0 {
            fatalError("pwsync: cannot disable core dumps; refusing to run with passwords in a dumpable process")
        }
        let root: any AsyncParsableCommand.Type = PwsyncCommand.self
        await root.main()
    }
}
