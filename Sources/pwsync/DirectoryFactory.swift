import Config
import Directory
import LDAP
import LDAPBackedDirectory
import Logging
import Secrets

extension Configuration {
    /// The directory this config describes, bound with `bindPassword` (read from `bind_password_file`).
    func makeDirectory(bindPassword: Secret, logger: Logger = Logger(label: "pwsync.directory")) -> LDAPDirectory {
        let d = directory
        return LDAPDirectory(LDAPDirectoryConfiguration(
            kind: d.kind,
            servers: d.urls.map { LDAPConnectionOptions(url: $0, startTLS: d.startTLS, caFile: d.caFile,
                                                        connectTimeout: d.connectTimeout, operationTimeout: d.operationTimeout) },
            bindDN: d.bindDN, bindPassword: bindPassword, userBase: d.userBase, userNameAttributes: d.userNameAttributes,
            poolSize: d.poolSize, activeDirectory: activeDirectory, creationBase: provisioning.createBase,
            profileMapping: provisioning.attributes, poolWait: .milliseconds(Int64(d.poolWait * 1000))),
            logger: logger)
    }
}
