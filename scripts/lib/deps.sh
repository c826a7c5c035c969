# ensure_packages PKG...: installs the Debian packages that are missing (needs root).
# Services the packages would start at install time are kept from starting (policy-rc.d):
# pwsync's scripts start their own throwaway servers.
ensure_packages() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
    return 1
  fi
  echo "installing: ${missing[*]}"
  local own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  [ $own_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

# What building pwsync needs, and what the quickstart's OpenLDAP needs.
# libkrb5-dev and libsasl2-dev: the Kerberos (GSSAPI) bind; the GSSAPI module is needed at run time.
BUILD_PACKAGES=(libldap-dev libssl-dev libkrb5-dev libsasl2-dev libsasl2-modules-gssapi-mit pkg-config openssl)
SLAPD_PACKAGES=(slapd ldap-utils)
# What packaging/build-deb needs besides the build packages (Debian's packaging tools).
PACKAGING_PACKAGES=(debhelper lintian dpkg-dev chrpath)
# What scripts/package-install-test needs: a clean Debian root, booted with systemd.
PACKAGE_TEST_PACKAGES=(debootstrap systemd-container curl python3 ldap-utils)
# The Samba AD DC fixture (samba-ad-provision is only a Recommends, but provisioning needs it).
SAMBA_PACKAGES=(samba samba-ad-dc samba-ad-provision winbind python3-samba samba-dsdb-modules samba-vfs-modules krb5-user)
TEST_PACKAGES=(iproute2 util-linux systemd curl python3-prometheus-client faketime nftables dnsmasq-base)
