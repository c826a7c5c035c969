/// What the admin pastes into Okta's app, and the firewall rule it needs, for the config `init` wrote.
package enum OktaSettings {
    package static func render(_ a: InitAnswers) -> String {
        """
        Okta app (Applications → your SCIM app → Provisioning → Integration):
          SCIM connector base URL            \(a.baseURL)
          Unique identifier field for users  userName
          Supported provisioning actions     Push Password Updates (and Push New Users, Push Profile Updates as you need)
          Authentication Mode                HTTP Header, with the token above
        Then To App → Sync Password: on, "Sync Okta Password" (or "Sync a randomly generated password"
        for Okta-only accounts), and Test Connector Configuration.
        Firewall: open TCP \(a.port) inbound from Okta's ranges for your cell
          (https://s3.amazonaws.com/okta-ip-ranges/ip_ranges.json); [server] allow can hold the same list.
        """
    }
}
