#ifndef PWSYNC_CLDAP_SHIM_H
#define PWSYNC_CLDAP_SHIM_H
/* Debian's libldap (OpenLDAP 2.5). Never define LDAP_DEPRECATED: we use the _ext APIs only. */
#include <ldap.h>
#include <lber.h>
#include <sys/time.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <pthread.h>
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
/* A deadline for opening a connection. libldap's TLS handshake (ldaps, or after StartTLS) honours
   no timeout of its own: a server that accepts TCP but never answers would hold the calling thread
   forever. libldap reports the socket here once TCP is connected (lc_add) and when it closes it
   (lc_del); a timer that fires before the open is over shuts the socket down, which wakes the
   blocked read, and the open fails. Only a socket still open and still opening is ever touched. */
struct pwsync_open_guard {
    struct ldap_conncb cb;
    pthread_mutex_t lock;
    int fd;        /* the connecting socket, or -1 */
    int opening;   /* 1 until the open is over */
    int fired;     /* the deadline passed and shut the socket down */
};

static int pwsync_guard_add(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv, struct sockaddr *addr, struct ldap_conncb *ctx) {
    (void)ld; (void)srv; (void)addr;
    struct pwsync_open_guard *g = (struct pwsync_open_guard *)ctx;
    ber_socket_t fd = -1;
    if (ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd) != 1) fd = -1;
    pthread_mutex_lock(&g->lock);
    g->fd = g->opening ? fd : -1;
    pthread_mutex_unlock(&g->lock);
    return 0;
}

static void pwsync_guard_del(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx) {
    (void)ld; (void)sb;
    struct pwsync_open_guard *g = (struct pwsync_open_guard *)ctx;
    pthread_mutex_lock(&g->lock);
    g->fd = -1;
    pthread_mutex_unlock(&g->lock);
}

static inline struct pwsync_open_guard *pwsync_guard_new(void) {
    struct pwsync_open_guard *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    pthread_mutex_init(&g->lock, NULL);
    g->fd = -1;
    g->opening = 1;
    g->cb.lc_add = pwsync_guard_add;
    g->cb.lc_del = pwsync_guard_del;
    g->cb.lc_arg = NULL;
    return g;
}

/* The timer: returns 1 when it cut an open still in progress. */
static inline int pwsync_guard_fire(struct pwsync_open_guard *g) {
    int cut = 0;
    pthread_mutex_lock(&g->lock);
    if (g->opening) {
        g->fired = 1;
        if (g->fd >= 0) { shutdown(g->fd, SHUT_RDWR); cut = 1; }
    }
    pthread_mutex_unlock(&g->lock);
    return cut;
}

/* The open is over (either way): the timer may no longer touch the socket. Returns fired. */
static inline int pwsync_guard_disarm(struct pwsync_open_guard *g) {
    pthread_mutex_lock(&g->lock);
    g->opening = 0;
    g->fd = -1;
    int fired = g->fired;
    pthread_mutex_unlock(&g->lock);
    return fired;
}

static inline void pwsync_guard_free(struct pwsync_open_guard *g) {
    pthread_mutex_destroy(&g->lock);
    free(g);
}

static inline struct ldap_conncb *pwsync_guard_callbacks(struct pwsync_open_guard *g) { return &g->cb; }

#endif
