#ifndef PWSYNC_CLDAP_SHIM_H
#define PWSYNC_CLDAP_SHIM_H
/* Debian's libldap (OpenLDAP 2.5). Never define LDAP_DEPRECATED: we use the _ext APIs only. */
#include <ldap.h>
#include <lber.h>
#include <sys/time.h>
#include <string.h>
#include <stdlib.h>
#include <sasl/sasl.h>

/* Macros Swift cannot import as values. */
static inline const char *pwsync_ldap_sasl_simple(void) { return LDAP_SASL_SIMPLE; }
static inline void *pwsync_ldap_opt_off(void) { return LDAP_OPT_OFF; }
static inline void *pwsync_ldap_opt_on(void) { return LDAP_OPT_ON; }

/* A GSSAPI bind has nothing to ask: every prompt Cyrus SASL makes (the authorization identity)
   gets its default, or nothing. */
static int pwsync_sasl_interact(LDAP *ld, unsigned flags, void *defaults, void *in) {
    (void)ld; (void)flags; (void)defaults;
    for (sasl_interact_t *p = in; p->id != SASL_CB_LIST_END; p++) {
        p->result = p->defresult ? p->defresult : "";
        p->len = (unsigned)strlen(p->result);
    }
    return LDAP_SUCCESS;
}
static inline LDAP_SASL_INTERACT_PROC *pwsync_sasl_interact_proc(void) { return pwsync_sasl_interact; }
/* Function-like macro in ldap.h: (3 << 8) + 3. */
static inline int pwsync_ldap_tls_protocol_tls1_2(void) { return LDAP_OPT_X_TLS_PROTOCOL_TLS1_2; }
#endif
