# write_pwsync_config FIXTURE_ENV OUT_TOML STATE_DIR PORT TOKEN_HASH [LOG_LEVEL]
# Writes a pwsync config for a fixture directory (see fixture-slapd / fixture-samba). Source this file.
write_pwsync_config() {
  local env=$1 out=$2 state=$3 port=$4 hash=$5 level=${6:-info}
  ( . "$env"
    cat > "$out" <<TOML
# Generated for a throwaway $KIND fixture; see config/pwsync.toml for every key explained.
[server]
listen = "127.0.0.1:$port"
tls_certificate = "$state/tls/pwsync.pem"
tls_private_key = "$state/tls/pwsync.key"

[[server.tokens]]
name = "okta"
hash = "$hash"

[directory]
kind = "$KIND"
urls = ["$LDAPS_URL"]
ca_file = "$CA_FILE"
bind_dn = "$BIND_DN"
bind_password_file = "$BIND_PASSWORD_FILE"
user_base = "$USER_BASE"
user_name_attribute = "$USER_NAME_ATTRIBUTE"

[audit]
path = "$state/audit.jsonl"

# pwsync set-password / pwsync rotate reach this daemon here (--socket "$state/control.sock").
[control]
socket = "$state/control.sock"

[log]
level = "$level"
TOML
  )
}
