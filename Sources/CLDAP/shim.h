#ifndef PWSYNC_CLDAP_SHIM_H
#define PWSYNC_CLDAP_SHIM_H
/* Debian's libldap (OpenLDAP 2.5). Never define LDAP_DEPRECATED: we use the _ext APIs only. */
#include <ldap.h>
#include <lber.h>
#include <sys/time.h>

/* Macros Swift cannot import as values. */
static inline const char *pwsync_ldap_sasl_simple(void) { return LDAP_SASL_SIMPLE; }
static inline void *pwsync_ldap_opt_off(void) { return LDAP_OPT_OFF; }
/* Function-like macro in ldap.h: (3 << 8) + 3. */
static inline int pwsync_ldap_tls_protocol_tls1_2(void) { return LDAP_OPT_X_TLS_PROTOCOL_TLS1_2; }
#endif
